// SPDX-License-Identifier: GPL-2.0

//! The receive engine: [`RxEngine`], a record opener ([`Opener`]) on the soft engine or on the
//! kernel crypto API ([`KernelOpener`]), with fault injection.
//!
//! Both open a record piecewise in counter mode, as a NIC does: a record's pieces are decrypted
//! and authenticated as its frames arrive, and its tag is checked when its last byte has. The
//! kernel engine uses counter mode (keystream from any counter block) and GHASH (its state
//! exported between pieces) through the synchronous interfaces, so it runs in the receive
//! softirq; GCM's block layout (counter blocks, the lengths block, the masked tag) comes from
//! `tlsnic_core::gcm::layout`, the same code the soft engine uses. Where the kernel has internal
//! SIMD implementations of the two (on x86 `__ctr(aes)` and `__ghash`: AES-NI and PCLMULQDQ), a
//! record begun where SIMD is usable goes through them; otherwise through `ctr(aes)` and `ghash`,
//! which on x86 are a per-block AES-NI call in the `ctr` template and the table-driven
//! `ghash-generic` (the fast public ones may complete asynchronously, through `cryptd`, which a
//! softirq cannot wait for). A record that arrives whole in one frame (most of them, with
//! segmentation offload on the wire) the kernel engine opens in one synchronous `gcm(aes)`
//! operation instead ([`AeadDecryptor`]), also when the frame's copy lies in two buffers across
//! the record (a scatter list of both), falling back to the pieces when that cannot run at the
//! moment.
//!
//! A [`KernelOpener`] is a key context of the device's [`super::KeyTable`]: taken from it and
//! rekeyed ([`KernelOpener::set_key`]) when a flow starts, given back wiped when the flow ends.

#![forbid(unsafe_code)]

use crate::base::crypto::{
    aead::{AeadDecryptor, AeadError},
    shash::Shash,
    simd_usable,
    skcipher::SyncSkcipher,
    wipe,
};
use crate::tlsnic_core::{
    gcm::{layout, Gcm, GcmState},
    rx::{self, Opener},
    tls12::{AAD_LEN, NONCE_LEN, TAG_LEN},
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{c_str, prelude::*, str::CStr};

/// Largest exported GHASH state accepted (`ghash-generic` exports 20 bytes).
const GHASH_STATE_MAX: usize = 64;

/// Counter mode and GHASH, for records opened in pieces.
struct Pieces {
    ctr: SyncSkcipher,
    ghash: Shash,
}

impl Pieces {
    /// The pair, if `ghash`'s state fits a [`KernelRecord`].
    fn new(ctr: SyncSkcipher, ghash: Result<Shash>) -> Result<Self> {
        let ghash = ghash?;
        if ghash.statesize() > GHASH_STATE_MAX {
            return Err(EINVAL);
        }
        Ok(Self { ctr, ghash })
    }

    /// Whether a GHASH state exported by `simd` and imported by `generic` carries on: a
    /// known-answer check over data that ends a piece inside a block (both keyed with the same
    /// H). Process context.
    fn portable(simd: &mut Pieces, generic: &mut Pieces) -> bool {
        let data = [0x5au8; 40];
        let mut state = [0u8; GHASH_STATE_MAX];
        let (mut want, mut got) = ([0u8; 16], [0u8; 16]);
        let g = &mut generic.ghash;
        let whole = g
            .init()
            .and_then(|()| g.update(&data))
            .and_then(|()| g.finish(&mut want));
        let s = &mut simd.ghash;
        let split = s
            .init()
            .and_then(|()| s.update(&data[..20]))
            .and_then(|()| s.export(&mut state))
            .and_then(|()| g.import(&state))
            .and_then(|()| g.update(&data[20..]))
            .and_then(|()| g.finish(&mut got));
        let same = whole.is_ok() && split.is_ok() && want == got;
        s.wipe();
        g.wipe();
        wipe(&mut state);
        wipe(&mut want);
        wipe(&mut got);
        same
    }

    /// The internal SIMD pair keyed with `key` and `h`, if the kernel has one.
    fn simd(key: &[u8], h: &[u8; 16]) -> Option<Self> {
        // Whether the kernel was found to have none: asking again would try to load modules for
        // it on every flow.
        static MISSING: AtomicBool = AtomicBool::new(false);
        if MISSING.load(Ordering::Relaxed) {
            return None;
        }
        let found = SyncSkcipher::new_simd(c_str!("__ctr(aes)"), key)
            .and_then(|ctr| Self::new(ctr, Shash::new_simd(c_str!("__ghash"), h)));
        if let Err(e) = &found {
            if *e == ENOENT {
                MISSING.store(true, Ordering::Relaxed);
            }
        }
        found.ok()
    }
}

/// Writes GCM's hash key H = E(K, 0^128), the keystream of the all-zero counter block, of `ctr`'s
/// key into `h`.
fn hash_key(ctr: &mut SyncSkcipher, h: &mut [u8; 16]) -> Result {
    h.fill(0);
    ctr.encrypt(&mut [0u8; 16], h)
}

/// The receive engine on the kernel crypto API: counter mode and GHASH, and `gcm(aes)` for
/// whole records. See the module documentation.
pub(crate) struct KernelOpener {
    /// Usable in any context.
    pieces: Pieces,
    /// The internal SIMD pair, for records begun where SIMD is usable.
    simd: Option<Pieces>,
    /// A GHASH state of `simd` may be carried on by `pieces` (checked when the opener was made):
    /// a piece of a SIMD record that finds SIMD unusable goes through `pieces`.
    portable: bool,
    /// Whole records at once, if a synchronous `gcm(aes)` could be had.
    whole: Option<AeadDecryptor>,
    /// Records opened with `whole` since [`KernelOpener::take_whole`].
    opened_whole: u32,
    /// Those of them that lay in two buffers.
    opened_split: u32,
    /// Operations that failed since [`KernelOpener::take_errors`] (each fails its record).
    errors: u32,
}

/// The implementations a [`KernelOpener`] resolved.
pub(crate) struct DriverNames<'a> {
    /// Counter mode and GHASH (for records begun where SIMD is usable, if that differs).
    pub(crate) pieces: [&'a CStr; 2],
    /// The pair used where SIMD is not usable, if it differs from `pieces`.
    pub(crate) pieces_nosimd: Option<[&'a CStr; 2]>,
    /// The whole-record `gcm(aes)`, if any.
    pub(crate) whole: Option<&'a CStr>,
}

/// One record being opened by a [`KernelOpener`].
pub(crate) struct KernelRecord {
    nonce: [u8; NONCE_LEN],
    /// `E(K, J0)`, which masks the tag.
    mask: [u8; 16],
    /// The exported GHASH state.
    ghash: [u8; GHASH_STATE_MAX],
    /// Ciphertext bytes so far.
    len: u32,
    /// The record goes through the internal SIMD pair (its GHASH state is that pair's).
    simd: bool,
    /// An engine operation failed: the record cannot authenticate.
    failed: bool,
}

impl Drop for KernelRecord {
    fn drop(&mut self) {
        wipe(&mut self.mask);
        wipe(&mut self.ghash);
    }
}

impl KernelOpener {
    /// Allocates and keys the transforms. Process context only.
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        let mut ctr = SyncSkcipher::new(c_str!("ctr(aes)"), key)?;
        let mut h = [0u8; 16];
        let pieces = hash_key(&mut ctr, &mut h)
            .and_then(|()| Pieces::new(ctr, Shash::new(c_str!("ghash"), &h)));
        // Optional: without them every record goes through `pieces`.
        let simd = pieces.as_ref().ok().and_then(|_| Pieces::simd(key, &h));
        wipe(&mut h);
        let mut pieces = pieces?;
        let mut simd = simd;
        let portable = simd
            .as_mut()
            .is_some_and(|simd| Pieces::portable(simd, &mut pieces));
        let whole = AeadDecryptor::gcm_aes(key, TAG_LEN as u32).ok();
        Ok(Self {
            pieces,
            simd,
            portable,
            whole,
            opened_whole: 0,
            opened_split: 0,
            errors: 0,
        })
    }

    /// Keys every transform with `key` (another flow's; zeroes wipe the schedules), zeroing what
    /// their requests and descriptors kept from the last record, and clears the counts. On error some transform has no usable key: the opener must not be used for a
    /// flow. Process context (`ghash-generic` allocates its tables).
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.opened_whole = 0;
        self.opened_split = 0;
        self.errors = 0;
        let mut h = [0u8; 16];
        let keyed = Self::key_pieces(&mut self.pieces, key, &mut h).and_then(|()| {
            if let Some(simd) = self.simd.as_mut() {
                simd.ctr.set_key(key)?;
                simd.ghash.set_key(&h)?;
            }
            match self.whole.as_mut() {
                Some(whole) => whole.set_key(key),
                None => Ok(()),
            }
        });
        wipe(&mut h);
        keyed
    }

    /// Keys `pieces` with `key`, leaving H = E(K, 0^128) in `h`.
    fn key_pieces(pieces: &mut Pieces, key: &[u8], h: &mut [u8; 16]) -> Result {
        pieces.ctr.set_key(key)?;
        hash_key(&mut pieces.ctr, h)?;
        pieces.ghash.set_key(h)
    }

    /// The implementations the kernel resolved: counter mode and GHASH for records begun where
    /// SIMD is usable, the same where it is not, and the whole-record `gcm(aes)` if any.
    pub(crate) fn driver_names(&self) -> DriverNames<'_> {
        fn names(p: &Pieces) -> [&CStr; 2] {
            [p.ctr.driver_name(), p.ghash.driver_name()]
        }
        let any = names(&self.pieces);
        DriverNames {
            pieces: self.simd.as_ref().map_or(any, names),
            pieces_nosimd: self.simd.as_ref().map(|_| any),
            whole: self.whole.as_ref().map(AeadDecryptor::driver_name),
        }
    }

    /// The pair a record's next operation goes through: its own, or the generic pair for a SIMD
    /// record where SIMD is not usable now, if the state carries over (`None` if not).
    fn pieces(&mut self, rec: &KernelRecord) -> Option<&mut Pieces> {
        if !rec.simd {
            Some(&mut self.pieces)
        } else if simd_usable() {
            self.simd.as_mut()
        } else if self.portable {
            Some(&mut self.pieces)
        } else {
            None
        }
    }

    /// Failed operations since the last call.
    pub(crate) fn take_errors(&mut self) -> u32 {
        core::mem::take(&mut self.errors)
    }

    /// Records opened in one operation since the last call, and those of them that lay in two
    /// buffers.
    pub(crate) fn take_whole(&mut self) -> (u32, u32) {
        (
            core::mem::take(&mut self.opened_whole),
            core::mem::take(&mut self.opened_split),
        )
    }

    fn fail(&mut self, rec: &mut KernelRecord) {
        if !rec.failed {
            self.errors += 1;
        }
        rec.failed = true;
    }

    /// Runs `data` through GHASH on `rec`'s state (`init`: from the start), or, with `out`,
    /// finishes into `out`.
    fn ghash(
        &mut self,
        rec: &mut KernelRecord,
        init: bool,
        data: &[u8],
        out: Option<&mut [u8; 16]>,
    ) {
        if rec.failed {
            return;
        }
        let Some(pieces) = self.pieces(rec) else {
            return self.fail(rec);
        };
        let g = &mut pieces.ghash;
        let step = if init { g.init() } else { g.import(&rec.ghash) }
            .and_then(|()| {
                if data.is_empty() {
                    Ok(())
                } else {
                    g.update(data)
                }
            })
            .and_then(|()| match out {
                Some(out) => g.finish(out),
                None => g.export(&mut rec.ghash),
            });
        g.wipe();
        if step.is_err() {
            self.fail(rec);
        }
    }

    /// The keystream block of counter `ctr` of `rec`, or `None` if the engine failed.
    fn keystream_block(&mut self, rec: &KernelRecord, ctr: u32) -> Option<[u8; 16]> {
        let mut iv = layout::counter_block(&rec.nonce, ctr);
        let mut block = [0u8; 16];
        self.pieces(rec)?.ctr.encrypt(&mut iv, &mut block).ok()?;
        Some(block)
    }

    /// XORs the keystream of `rec` from payload offset `off` into `data`.
    fn ctr_xor(&mut self, rec: &mut KernelRecord, off: u32, data: &mut [u8]) {
        let mut data = data;
        let mut off = off;
        let lead = (off % 16) as usize;
        if lead != 0 && !data.is_empty() {
            let Some(mut ks) = self.keystream_block(rec, layout::payload_counter(off.into()))
            else {
                return self.fail(rec);
            };
            let n = (16 - lead).min(data.len());
            for (d, k) in data[..n].iter_mut().zip(&ks[lead..]) {
                *d ^= k;
            }
            wipe(&mut ks);
            data = &mut data[n..];
            off += n as u32;
        }
        if data.is_empty() {
            return;
        }
        let mut iv = layout::counter_block(&rec.nonce, layout::payload_counter(off.into()));
        let done = self
            .pieces(rec)
            .is_some_and(|p| p.ctr.encrypt(&mut iv, data).is_ok());
        if !done {
            self.fail(rec);
        }
    }
}

impl Opener for KernelOpener {
    type State = KernelRecord;

    fn begin(&mut self, nonce: &[u8; NONCE_LEN], aad: &[u8; AAD_LEN]) -> KernelRecord {
        let mut rec = KernelRecord {
            nonce: *nonce,
            mask: [0; 16],
            ghash: [0; GHASH_STATE_MAX],
            len: 0,
            // A record begun on the SIMD pair carries its GHASH state on the generic pair for a
            // piece that finds SIMD unusable (a softirq that interrupted a kernel FPU section,
            // say), if the states were found portable; otherwise that piece fails the record,
            // whose frames then go up as they arrived, for software kTLS.
            simd: self.simd.is_some() && simd_usable(),
            failed: false,
        };
        match self.keystream_block(&rec, layout::TAG_MASK_COUNTER) {
            Some(mask) => rec.mask = mask,
            None => self.fail(&mut rec),
        }
        // The additional data, zero-padded to a block.
        let mut block = [0u8; 16];
        block[..AAD_LEN].copy_from_slice(aad);
        self.ghash(&mut rec, true, &block, None);
        rec
    }

    fn decrypt(&mut self, rec: &mut KernelRecord, data: &mut [u8]) {
        let off = rec.len;
        self.authenticate(rec, data);
        self.ctr_xor(rec, off, data);
    }

    fn authenticate(&mut self, rec: &mut KernelRecord, data: &[u8]) {
        self.ghash(rec, false, data, None);
        rec.len = rec.len.wrapping_add(data.len() as u32);
    }

    fn open_split(
        &mut self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8; AAD_LEN],
        first: &mut [u8],
        second: &mut [u8],
    ) -> bool {
        if let Some(whole) = self.whole.as_mut() {
            match whole.decrypt(nonce, aad, first, second) {
                Ok(ok) => {
                    self.opened_whole += 1;
                    if !first.is_empty() && !second.is_empty() {
                        self.opened_split += 1;
                    }
                    return ok;
                }
                // Not now (SIMD unusable in this context, say): the record goes through the
                // pieces, untouched so far.
                Err(AeadError::Busy) => {}
                // The transform failed, maybe after writing part of the record: it cannot be
                // opened any more; the frame goes up as it arrived.
                Err(_) => {
                    self.errors += 1;
                    return false;
                }
            }
        }
        rx::open_in_pieces(self, nonce, aad, first, second)
    }

    fn verify(&mut self, mut rec: KernelRecord, tag: &[u8; TAG_LEN]) -> bool {
        let pad = [0u8; 16];
        let fill = layout::pad_len(rec.len.into());
        self.ghash(&mut rec, false, &pad[..fill], None);
        let lens = layout::lengths_block(AAD_LEN as u64, rec.len.into());
        let mut s = [0u8; 16];
        self.ghash(&mut rec, false, &lens, Some(&mut s));
        let matches = layout::tag_matches(&s, &rec.mask, tag);
        wipe(&mut s);
        !rec.failed && matches
    }
}

/// The engine of a receive flow: the soft engine or the kernel's. The soft engine's state is
/// inline on purpose, as in [`super::RecordSealer`]: the flow is one allocation, and a box would
/// add a pointer chase per frame.
#[allow(clippy::large_enum_variant)]
enum RxKind {
    Soft(Gcm),
    Kernel(KernelOpener),
    /// The flow ended and its key context went back to the device ([`RxEngine::retire`]).
    Retired,
}

/// A receive flow's engine, with fault injection.
pub(crate) struct RxEngine {
    kind: RxKind,
    /// Fail the next operation, a piece or a whole record (`engine_fault_ppm`).
    inject: bool,
    /// Injected failures since [`RxEngine::take_errors`].
    injected: u32,
}

/// A record in progress on an [`RxEngine`].
pub(crate) struct RxRecord {
    kind: RxRecordKind,
    /// The engine failed on a piece of this record: it cannot authenticate.
    failed: bool,
}

enum RxRecordKind {
    Soft(GcmState),
    Kernel(KernelRecord),
    /// Begun on a retired engine: it fails.
    Retired,
}

impl RxEngine {
    /// An engine on the soft engine, keyed with `key`.
    pub(crate) fn soft(key: &[u8]) -> Result<Self> {
        Ok(Self::new(RxKind::Soft(Gcm::new(key).map_err(|_| EINVAL)?)))
    }

    /// An engine on a key context of the kernel crypto API (keyed by its maker).
    pub(crate) fn kernel(opener: KernelOpener) -> Self {
        Self::new(RxKind::Kernel(opener))
    }

    /// Takes the kernel key context out of the engine, which is retired afterwards: records
    /// begun on it fail, and [`RxEngine::retired`] says so. `None` for the soft engine (whose
    /// key zeroes itself when dropped).
    pub(crate) fn retire(&mut self) -> Option<KernelOpener> {
        match core::mem::replace(&mut self.kind, RxKind::Retired) {
            RxKind::Kernel(k) => Some(k),
            other => {
                self.kind = other;
                None
            }
        }
    }

    /// Whether the flow ended ([`RxEngine::retire`]).
    pub(crate) fn retired(&self) -> bool {
        matches!(self.kind, RxKind::Retired)
    }

    fn new(kind: RxKind) -> Self {
        Self {
            kind,
            inject: false,
            injected: 0,
        }
    }

    /// Whether this is the soft engine.
    pub(crate) fn is_soft(&self) -> bool {
        matches!(self.kind, RxKind::Soft(_))
    }

    /// The implementations, for the log: the soft engine's name, or `ctr(aes)` and `ghash`'s and
    /// the whole-record `gcm(aes)`'s (empty if none).
    pub(crate) fn driver_names(&self) -> [&str; 3] {
        fn name(n: &CStr) -> &str {
            n.to_str().unwrap_or("?")
        }
        match &self.kind {
            RxKind::Soft(_) => [super::SOFT_DRIVER, "", ""],
            RxKind::Retired => ["retired", "", ""],
            RxKind::Kernel(k) => {
                let n = k.driver_names();
                [
                    name(n.pieces[0]),
                    name(n.pieces[1]),
                    n.whole.map_or("", name),
                ]
            }
        }
    }

    /// Makes the next piece fail (engine fault injection), or not.
    pub(crate) fn inject(&mut self, fail: bool) {
        self.inject = fail;
    }

    /// Records opened in one operation since the last call, and those of them that lay in two
    /// buffers (kernel engine only).
    pub(crate) fn take_whole(&mut self) -> (u32, u32) {
        match &mut self.kind {
            RxKind::Soft(_) | RxKind::Retired => (0, 0),
            RxKind::Kernel(e) => e.take_whole(),
        }
    }

    /// Engine operations that failed since the last call (the kernel engine's own failures and
    /// injected ones; the soft engine cannot fail by itself).
    pub(crate) fn take_errors(&mut self) -> u32 {
        let own = match &mut self.kind {
            RxKind::Soft(_) | RxKind::Retired => 0,
            RxKind::Kernel(e) => e.take_errors(),
        };
        own + core::mem::take(&mut self.injected)
    }
}

impl Opener for RxEngine {
    type State = RxRecord;

    fn begin(&mut self, nonce: &[u8; NONCE_LEN], aad: &[u8; AAD_LEN]) -> RxRecord {
        let kind = match &mut self.kind {
            RxKind::Soft(e) => RxRecordKind::Soft(e.begin(nonce, aad)),
            RxKind::Kernel(e) => RxRecordKind::Kernel(e.begin(nonce, aad)),
            RxKind::Retired => RxRecordKind::Retired,
        };
        RxRecord {
            failed: matches!(kind, RxRecordKind::Retired),
            kind,
        }
    }

    fn decrypt(&mut self, state: &mut RxRecord, data: &mut [u8]) {
        match (&mut self.kind, &mut state.kind) {
            (RxKind::Soft(e), RxRecordKind::Soft(s)) => e.decrypt(s, data),
            (RxKind::Kernel(e), RxRecordKind::Kernel(s)) => e.decrypt(s, data),
            // A flow keeps one engine; its records are of that engine.
            _ => state.failed = true,
        }
        if core::mem::take(&mut self.inject) {
            // The piece went through (the record's position advances), but its output is not
            // trusted: the frame goes up as it arrived.
            state.failed = true;
            self.injected += 1;
        }
    }

    fn authenticate(&mut self, state: &mut RxRecord, data: &[u8]) {
        match (&mut self.kind, &mut state.kind) {
            (RxKind::Soft(e), RxRecordKind::Soft(s)) => e.authenticate(s, data),
            (RxKind::Kernel(e), RxRecordKind::Kernel(s)) => e.authenticate(s, data),
            _ => state.failed = true,
        }
    }

    fn open_split(
        &mut self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8; AAD_LEN],
        first: &mut [u8],
        second: &mut [u8],
    ) -> bool {
        let ok = match &mut self.kind {
            RxKind::Soft(e) => e.open_split(nonce, aad, first, second),
            RxKind::Kernel(e) => e.open_split(nonce, aad, first, second),
            RxKind::Retired => false,
        };
        if core::mem::take(&mut self.inject) {
            // As in `decrypt`: the record went through, its output is not trusted.
            self.injected += 1;
            return false;
        }
        ok
    }

    fn verify(&mut self, state: RxRecord, tag: &[u8; TAG_LEN]) -> bool {
        let ok = match (&mut self.kind, state.kind) {
            (RxKind::Soft(e), RxRecordKind::Soft(s)) => e.verify(s, tag),
            (RxKind::Kernel(e), RxRecordKind::Kernel(s)) => e.verify(s, tag),
            _ => false,
        };
        ok && !state.failed
    }
}
