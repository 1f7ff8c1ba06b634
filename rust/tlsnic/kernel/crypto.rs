// SPDX-License-Identifier: GPL-2.0

//! The device's crypto engines: a TLS record sealer for transmit and a piecewise record opener
//! for receive, each on the kernel crypto API or on the soft engine (`tlsnic_core::gcm`).
//!
//! Part of the abstraction layer (this file holds `unsafe` code). A [`RecordSealer`] owns one
//! cipher (a kernel AEAD transform and request, or a soft [`Gcm`] key) and one record block
//! ([`SealPage`]); [`RecordSealer::seal_pages`] encrypts a record laid out as on the wire from
//! the pages that hold it (which are never written) into the block, with the tag; the block is
//! then read ([`RecordSealer::record`]) or attached to skbs by reference ([`RecordSealer::page`]).
//! A block still referenced by skbs is never written again: the next record gets a fresh one.
//! Only ciphertext, headers and tags are left in blocks.
//!
//! The kernel transform is whatever the kernel resolves for the name: on x86 `gcm(aes)` is the
//! AES-NI / VAES implementation behind the SIMD wrapper, which completes synchronously whenever
//! the FPU is usable. When an implementation completes asynchronously (`-EINPROGRESS`; always
//! for `cryptd(...)`), the buffer stays with the crypto driver until the completion callback:
//! [`SealError::Pending`] is returned, the sealer refuses work until the callback has run, and
//! the callback kicks the device's deferred-transmit work ([`Kick`]), which picks the result up
//! with [`RecordSealer::take_async_result`]. Dropping the sealer waits for the callback.
//!
//! The soft sealer copies the plaintext into the block and seals it there; it is always
//! synchronous.
//!
//! [`KernelOpener`] opens a receive record piecewise with the kernel's synchronous `ctr(aes)`
//! (keystream from any byte offset) and `ghash` (state exported between pieces), the way the
//! soft engine does it in `tlsnic_core::gcm`.

use crate::base::bindings;
use crate::base::netdev::{Kick, RcuGuard};
use crate::base::tls::{RecordPages, SealPage, MAX_FRAGS};
use crate::tlsnic_core::{
    gcm::{layout, Gcm},
    rx::Opener,
    tls12::{self, AAD_LEN, MAX_RECORD, NONCE_LEN, PREPEND_LEN, TAG_LEN},
};
use core::{
    ffi::{c_int, c_void},
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicI32, Ordering},
};
use kernel::{c_str, error::from_err_ptr, prelude::*, str::CStr, types::Opaque};

/// The driver name reported for the soft engine.
pub(crate) const SOFT_DRIVER: &CStr = c_str!("tlsnic-soft-gcm");

// A record block holds the largest record.
const _: () = assert!(MAX_RECORD <= SealPage::SIZE);

/// Why a record was not sealed. The packet carrying it must be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SealError {
    /// An earlier request is still running asynchronously.
    Busy,
    /// This request went asynchronous; the result is discarded when it completes.
    Pending,
    /// The transform failed or the record does not fit.
    Failed,
    /// No memory for a record block.
    NoMem,
}

/// State the crypto driver may use while a request is in flight: heap-allocated so its address
/// is stable, and freed only once nothing is in flight.
struct Inner {
    /// The additional data (in this kmalloc'ed allocation, so scatterlists can point at it).
    aad: [u8; AAD_LEN],
    /// The record block being sealed or served.
    page: Option<SealPage>,
    /// Salt and explicit nonce of the record being sealed.
    iv: [u8; 16],
    /// Destination: additional data, then ciphertext and tag in `page`.
    sg: Opaque<[bindings::scatterlist; 2]>,
    /// Source when sealing from pages: additional data, then the record's plaintext pages.
    src_sg: Opaque<[bindings::scatterlist; MAX_FRAGS + 1]>,
    /// The pages `src_sg` points to, referenced until the next request (or drop).
    src_pages: Option<RecordPages>,
    /// A request is with an asynchronous implementation.
    inflight: AtomicBool,
    /// An asynchronous request completed and its result was not taken yet.
    completed: AtomicBool,
    /// Its result (0 or a negative errno).
    status: AtomicI32,
    /// Kicked when an asynchronous request completes.
    kick: Option<Kick>,
}

/// The cipher of a [`RecordSealer`].
// The soft engine's state is inline on purpose: the sealer lives in the flow's own allocation,
// and boxing it would add an allocation per flow and a pointer chase per record.
#[allow(clippy::large_enum_variant)]
enum Cipher {
    /// A kernel AEAD transform and its request.
    Kernel {
        tfm: NonNull<bindings::crypto_aead>,
        req: NonNull<bindings::aead_request>,
    },
    /// The soft engine.
    Soft(Gcm),
}

/// One cipher and record buffer. See the module documentation.
pub(crate) struct RecordSealer {
    cipher: Cipher,
    inner: KBox<Inner>,
}

// SAFETY: the transform and request are used by one thread at a time (`&mut self`), the crypto
// API allows that from any context, and completion only touches `inner`'s atomics.
unsafe impl Send for RecordSealer {}
// SAFETY: `&self` methods only read the buffer (when nothing is in flight) and the driver name.
unsafe impl Sync for RecordSealer {}

impl RecordSealer {
    fn inner(kick: Option<Kick>) -> Result<KBox<Inner>> {
        let page = SealPage::alloc().ok_or(ENOMEM)?;
        let inner = KBox::new(
            Inner {
                aad: [0; AAD_LEN],
                page: Some(page),
                iv: [0; 16],
                // SAFETY: an all-zero `scatterlist` is its "unset" value; `sg_init_table` below
                // initialises the table before use.
                sg: Opaque::new(unsafe { core::mem::zeroed() }),
                // SAFETY: as above.
                src_sg: Opaque::new(unsafe { core::mem::zeroed() }),
                src_pages: None,
                inflight: AtomicBool::new(false),
                completed: AtomicBool::new(false),
                status: AtomicI32::new(0),
                kick,
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `sg` is ours, two entries long.
        unsafe { bindings::sg_init_table(inner.sg.get().cast(), 2) };
        Ok(inner)
    }

    /// A sealer on the soft engine, keyed with `key` (16 or 32 bytes).
    pub(crate) fn soft(key: &[u8]) -> Result<Self> {
        let gcm = Gcm::new(key).map_err(|_| EINVAL)?;
        Ok(Self {
            cipher: Cipher::Soft(gcm),
            inner: Self::inner(None)?,
        })
    }

    /// A sealer on kernel transform `alg` (e.g. `gcm(aes)`), keyed with `key`, with a first
    /// record block. `kick` is kicked when an asynchronous request completes. Process context
    /// only.
    pub(crate) fn kernel(alg: &CStr, key: &[u8], kick: Option<Kick>) -> Result<Self> {
        let inner = Self::inner(kick)?;
        // SAFETY: `alg` is a NUL-terminated string; type and mask 0 accept synchronous and
        // asynchronous implementations.
        let tfm = from_err_ptr(unsafe { bindings::crypto_alloc_aead(alg.as_char_ptr(), 0, 0) })?;
        let tfm = NonNull::new(tfm).ok_or(ENOMEM)?;
        let free_tfm = |e: Error| {
            // SAFETY: allocated above and not used by anyone else.
            unsafe { bindings::tlsnic_crypto_free_aead(tfm.as_ptr()) };
            e
        };
        // SAFETY: `tfm` is a live transform.
        if unsafe { bindings::tlsnic_crypto_aead_ivsize(tfm.as_ptr()) } != 12 {
            return Err(free_tfm(EINVAL));
        }
        // SAFETY: `tfm` is a live transform; `key` is a valid slice of the given length.
        kernel::error::to_result(unsafe {
            bindings::crypto_aead_setkey(tfm.as_ptr(), key.as_ptr(), key.len() as u32)
        })
        .and_then(|()| {
            // SAFETY: as above.
            kernel::error::to_result(unsafe {
                bindings::crypto_aead_setauthsize(tfm.as_ptr(), TAG_LEN as u32)
            })
        })
        .map_err(free_tfm)?;
        // SAFETY: `tfm` is a live transform.
        let req = unsafe { bindings::tlsnic_aead_request_alloc(tfm.as_ptr()) };
        let req = NonNull::new(req).ok_or(ENOMEM).map_err(free_tfm)?;
        Ok(Self {
            cipher: Cipher::Kernel { tfm, req },
            inner,
        })
    }

    /// The implementation: the one the kernel resolved (e.g. `generic-gcm-aesni`), or
    /// `tlsnic-soft-gcm`.
    pub(crate) fn driver_name(&self) -> &CStr {
        match &self.cipher {
            // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
            // string that outlives it.
            Cipher::Kernel { tfm, .. } => unsafe {
                CStr::from_char_ptr(bindings::tlsnic_crypto_aead_driver_name(tfm.as_ptr()))
            },
            Cipher::Soft(_) => SOFT_DRIVER,
        }
    }

    /// Whether an asynchronous request is still running.
    pub(crate) fn busy(&self) -> bool {
        self.inner.inflight.load(Ordering::Acquire)
    }

    /// The result of the last request that went asynchronous, once: `None` if none completed
    /// since the last call (or one is still running).
    pub(crate) fn take_async_result(&mut self) -> Option<Result<(), SealError>> {
        if self.busy() || !self.inner.completed.swap(false, Ordering::Acquire) {
            return None;
        }
        Some(match self.inner.status.load(Ordering::Relaxed) {
            0 => Ok(()),
            _ => Err(SealError::Failed),
        })
    }

    /// The sealed record's block, for reading. Fails while a request is in flight.
    pub(crate) fn record(&self) -> Result<&[u8], SealError> {
        self.page().map(|p| p.bytes())
    }

    /// The sealed record's block, to attach to skbs. Fails while a request is in flight.
    pub(crate) fn page(&self) -> Result<&SealPage, SealError> {
        if self.busy() {
            return Err(SealError::Busy);
        }
        self.inner.page.as_ref().ok_or(SealError::NoMem)
    }

    /// Seals the record held in `src` into a private record block, reading the plaintext
    /// straight from the record's pages (no intermediate copy): `prepend` (the record's header and
    /// explicit nonce, already read by the caller) is written first, then the ciphertext and the
    /// tag. `src` stays referenced until the next request, so an asynchronous implementation may
    /// still read it.
    pub(crate) fn seal_pages(
        &mut self,
        src: RecordPages,
        prepend: &[u8; PREPEND_LEN],
        aad: &[u8; AAD_LEN],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(), SealError> {
        if self.busy() {
            return Err(SealError::Busy);
        }
        let len = src.len() as usize;
        if !(tls12::OVERHEAD..=MAX_RECORD).contains(&len) {
            return Err(SealError::Failed);
        }
        let pt_len = len - tls12::OVERHEAD;
        let inner = &mut *self.inner;
        // Release the previous request's pages.
        inner.src_pages = None;
        // A block that skbs still reference keeps its record; seal into a fresh one.
        if inner.page.as_ref().map_or(true, |p| p.is_shared()) {
            inner.page = Some(SealPage::alloc().ok_or(SealError::NoMem)?);
        }
        let block = inner.page.as_mut().and_then(|p| p.bytes_mut());
        block.ok_or(SealError::NoMem)?[..PREPEND_LEN].copy_from_slice(prepend);
        inner.aad = *aad;
        if let Cipher::Soft(gcm) = &self.cipher {
            return Self::seal_soft(gcm, inner, &src, pt_len, nonce);
        }
        inner.iv[..NONCE_LEN].copy_from_slice(nonce);
        let aad_ptr = inner.aad.as_ptr();
        let ssg: *mut bindings::scatterlist = inner.src_sg.get().cast();
        // SAFETY: `src_sg` has `MAX_FRAGS + 1` entries: the additional data, then at most
        // `MAX_FRAGS` page spans (a record has no more fragments), skipping the record's first
        // `PREPEND_LEN` bytes and stopping after `pt_len` plaintext bytes.
        unsafe {
            bindings::sg_init_table(ssg, (MAX_FRAGS + 1) as u32);
            bindings::tlsnic_sg_set_buf(ssg, aad_ptr.cast(), AAD_LEN as u32);
            let mut n = 1usize;
            let (mut skip, mut want) = (PREPEND_LEN as u32, pt_len as u32);
            for (page, off, flen) in src.spans() {
                if want == 0 {
                    break;
                }
                if skip >= flen {
                    skip -= flen;
                    continue;
                }
                let take = (flen - skip).min(want);
                bindings::tlsnic_sg_set_page(ssg.add(n), page.as_ptr(), take, off + skip);
                n += 1;
                want -= take;
                skip = 0;
            }
            if want != 0 {
                return Err(SealError::Failed);
            }
            bindings::tlsnic_sg_mark_end(ssg.add(n - 1));
        }
        inner.src_pages = Some(src);
        self.submit(ssg, pt_len)
    }

    /// [`Self::seal_pages`] for the soft engine: copies the plaintext into the (private) block
    /// and seals it there.
    fn seal_soft(
        gcm: &Gcm,
        inner: &mut Inner,
        src: &RecordPages,
        pt_len: usize,
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(), SealError> {
        let block = inner.page.as_mut().and_then(|p| p.bytes_mut());
        let block = block.ok_or(SealError::NoMem)?;
        let (body, rest) = block[PREPEND_LEN..].split_at_mut(pt_len);
        if !src.copy_at(PREPEND_LEN as u32, body) {
            return Err(SealError::Failed);
        }
        let mut tag = [0u8; TAG_LEN];
        let sealed = gcm.seal(nonce, &inner.aad, body, &mut tag);
        if sealed.is_err() {
            // Never leave plaintext in a block.
            body.fill(0);
            return Err(SealError::Failed);
        }
        rest[..TAG_LEN].copy_from_slice(&tag);
        Ok(())
    }

    /// Points the destination table at the additional data and the private record block and
    /// runs the (idle) request with source `src`, the page table of `seal_pages`.
    fn submit(&mut self, src: *mut bindings::scatterlist, pt_len: usize) -> Result<(), SealError> {
        let Cipher::Kernel { req, .. } = &self.cipher else {
            return Err(SealError::Failed);
        };
        let req = *req;
        let inner = &mut *self.inner;
        let aad_ptr = inner.aad.as_ptr();
        let page = inner.page.as_ref().ok_or(SealError::NoMem)?.as_raw();
        let dst: *mut bindings::scatterlist = inner.sg.get().cast();
        let data: *const Inner = inner;
        inner.completed.store(false, Ordering::Relaxed);
        inner.inflight.store(true, Ordering::Release);
        // SAFETY: `dst` (two entries), `aad`, `iv`, the block and the `src` pages all live in or
        // are referenced by `inner` until `Drop`, which waits for an asynchronous request; the
        // span fits the block (`MAX_RECORD <= SealPage::SIZE`) and the request is idle.
        let rc = unsafe {
            bindings::tlsnic_sg_set_buf(dst, aad_ptr.cast(), AAD_LEN as u32);
            bindings::tlsnic_sg_set_page(
                dst.add(1),
                page,
                (pt_len + TAG_LEN) as u32,
                PREPEND_LEN as u32,
            );
            bindings::tlsnic_sg_mark_end(dst.add(1));
            bindings::tlsnic_aead_request_setup(
                req.as_ptr(),
                src,
                dst,
                AAD_LEN as u32,
                pt_len as u32,
                inner.iv.as_mut_ptr(),
                Some(Self::complete),
                data.cast_mut().cast(),
            );
            bindings::crypto_aead_encrypt(req.as_ptr())
        };
        if rc == -(bindings::EINPROGRESS as c_int) || rc == -(bindings::EBUSY as c_int) {
            // The callback clears `inflight`.
            return Err(SealError::Pending);
        }
        inner.inflight.store(false, Ordering::Release);
        if rc != 0 {
            return Err(SealError::Failed);
        }
        Ok(())
    }

    /// Completion callback of an asynchronous request (any context).
    ///
    /// # Safety
    ///
    /// `data` is a live [`Inner`] with a request in flight (set in [`RecordSealer::submit`]).
    unsafe extern "C" fn complete(data: *mut c_void, err: c_int) {
        if err == -(bindings::EINPROGRESS as c_int) {
            // A backlogged request started; the final completion follows.
            return;
        }
        // SAFETY: per the function's contract; `Drop` waits for the `inflight` store below
        // before freeing, and nothing else writes these fields while a request is in flight.
        let inner = unsafe { &*data.cast::<Inner>() };
        let kick = inner.kick;
        inner.status.store(err, Ordering::Relaxed);
        inner.completed.store(true, Ordering::Relaxed);
        // The device's deferred work is freed only after an RCU grace period that follows the
        // flow's teardown, which waits for the store below: kicking inside this read section
        // is safe even though `inner` may be gone by then.
        let rcu = RcuGuard::lock();
        inner.inflight.store(false, Ordering::Release);
        if let Some(kick) = kick {
            kick.kick(&rcu);
        }
    }
}

impl Drop for RecordSealer {
    fn drop(&mut self) {
        // Process context (flow teardown): wait for an asynchronous request to let go of the
        // buffer, the IV and the request.
        while self.busy() {
            // SAFETY: `msleep` may be called from process context.
            unsafe { bindings::msleep(1) };
        }
        if let Cipher::Kernel { tfm, req } = &self.cipher {
            // SAFETY: nothing is in flight; the request and transform were allocated in `kernel`
            // and are freed once (the transform frees its key schedule with `kfree_sensitive`).
            unsafe {
                bindings::tlsnic_aead_request_free(req.as_ptr());
                bindings::tlsnic_crypto_free_aead(tfm.as_ptr());
            }
        }
        // The soft key zeroes itself when `cipher` is dropped. Blocks hold ciphertext only (the
        // soft engine encrypts its copy of the plaintext in place, or wipes it on failure); skbs
        // may still reference them (a block is freed with the last reference).
        tls12::wipe(&mut self.inner.aad);
        tls12::wipe(&mut self.inner.iv);
        self.inner.src_pages = None;
        self.inner.page = None;
    }
}

/// Largest exported GHASH state accepted (`ghash-generic` exports 20 bytes).
const GHASH_STATE_MAX: usize = 64;

/// Heap scratch of a [`KernelOpener`]: the keystream block must be addressable by a
/// scatterlist (never on the stack).
struct Scratch {
    block: [u8; 16],
}

/// The receive engine on the kernel crypto API: `ctr(aes)` and `ghash` (both synchronous, so
/// they run in the receive softirq), opening records in pieces. See the module documentation.
pub(crate) struct KernelOpener {
    ctr: NonNull<bindings::crypto_sync_skcipher>,
    ghash: NonNull<bindings::crypto_shash>,
    scratch: KBox<Scratch>,
    /// Operations that failed since [`KernelOpener::take_errors`] (each fails its record).
    errors: u32,
}

// SAFETY: the transforms are used under the flow's lock only (`&mut self`); the crypto API
// allows any context for synchronous transforms.
unsafe impl Send for KernelOpener {}
// SAFETY: `&self` methods only read the driver names.
unsafe impl Sync for KernelOpener {}

/// One record being opened by a [`KernelOpener`].
pub(crate) struct KernelRecord {
    nonce: [u8; NONCE_LEN],
    /// `E(K, J0)`, which masks the tag.
    mask: [u8; 16],
    /// The exported GHASH state.
    ghash: [u8; GHASH_STATE_MAX],
    /// Ciphertext bytes so far.
    len: u32,
    /// An engine operation failed: the record cannot authenticate.
    failed: bool,
}

impl Drop for KernelRecord {
    fn drop(&mut self) {
        tls12::wipe(&mut self.mask);
        tls12::wipe(&mut self.ghash);
    }
}

impl KernelOpener {
    /// Allocates and keys the transforms. Process context only.
    pub(crate) fn new(key: &[u8]) -> Result<Self> {
        let mut scratch = KBox::new(Scratch { block: [0; 16] }, GFP_KERNEL)?;
        // SAFETY: `key` is a valid slice of the given length.
        let ctr = unsafe { bindings::tlsnic_ctr_alloc(key.as_ptr(), key.len() as u32) };
        let ctr = from_err_ptr(ctr)?;
        let ctr = NonNull::new(ctr).ok_or(ENOMEM)?;
        let free_ctr = |e: Error| {
            // SAFETY: allocated above and not used by anyone else.
            unsafe { bindings::tlsnic_ctr_free(ctr.as_ptr()) };
            e
        };
        // H = E(K, 0^128): the keystream of the all-zero counter block.
        let zero = [0u8; 16];
        // SAFETY: `ctr` is live; `zero` is a 16-byte counter block; `scratch.block` is 16 bytes
        // of heap memory.
        let rc = unsafe {
            bindings::tlsnic_ctr_xor(
                ctr.as_ptr(),
                zero.as_ptr(),
                scratch.block.as_mut_ptr().cast(),
                16,
            )
        };
        kernel::error::to_result(rc).map_err(free_ctr)?;
        // SAFETY: `scratch.block` holds the 16-byte hash key.
        let ghash = unsafe { bindings::tlsnic_ghash_alloc(scratch.block.as_ptr()) };
        tls12::wipe(&mut scratch.block);
        let ghash = from_err_ptr(ghash).map_err(free_ctr)?;
        let ghash = NonNull::new(ghash).ok_or(ENOMEM).map_err(free_ctr)?;
        // SAFETY: `ghash` is live.
        let state_len = unsafe { bindings::tlsnic_ghash_statesize(ghash.as_ptr()) } as usize;
        let this = Self {
            ctr,
            ghash,
            scratch,
            errors: 0,
        };
        if state_len > GHASH_STATE_MAX {
            return Err(EINVAL);
        }
        Ok(this)
    }

    /// The implementations the kernel resolved: (`ctr(aes)`, `ghash`).
    pub(crate) fn driver_names(&self) -> (&CStr, &CStr) {
        // SAFETY: the transforms are live and their algorithms' names are static NUL-terminated
        // strings that outlive them.
        unsafe {
            (
                CStr::from_char_ptr(bindings::tlsnic_ctr_driver_name(self.ctr.as_ptr())),
                CStr::from_char_ptr(bindings::tlsnic_ghash_driver_name(self.ghash.as_ptr())),
            )
        }
    }

    /// Failed operations since the last call.
    pub(crate) fn take_errors(&mut self) -> u32 {
        core::mem::take(&mut self.errors)
    }

    fn fail(&mut self, rec: &mut KernelRecord) {
        if !rec.failed {
            self.errors += 1;
        }
        rec.failed = true;
    }

    /// Runs `data` through GHASH on `rec`'s state (`init`: from the start), or finishes into
    /// `out`.
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
        let out = out.map_or(core::ptr::null_mut(), |o| o.as_mut_ptr());
        // SAFETY: `ghash` is live; the state buffer holds `GHASH_STATE_MAX` bytes, at least the
        // transform's state size (checked in `new`);
        // `data` is valid for its length; `out` is null or 16 writable bytes.
        let rc = unsafe {
            bindings::tlsnic_ghash_step(
                self.ghash.as_ptr(),
                rec.ghash.as_mut_ptr().cast(),
                init,
                data.as_ptr(),
                data.len() as u32,
                out,
            )
        };
        if rc != 0 {
            self.fail(rec);
        }
    }

    /// The keystream block of counter `ctr` of `rec` into the scratch block.
    fn keystream_block(&mut self, rec: &mut KernelRecord, ctr: u32) -> bool {
        let iv = layout::counter_block(&rec.nonce, ctr);
        self.scratch.block = [0; 16];
        // SAFETY: `ctr` is live; `iv` is a 16-byte counter block; the scratch block is 16 bytes
        // of heap memory.
        let rc = unsafe {
            bindings::tlsnic_ctr_xor(
                self.ctr.as_ptr(),
                iv.as_ptr(),
                self.scratch.block.as_mut_ptr().cast(),
                16,
            )
        };
        rc == 0
    }

    /// XORs the keystream of `rec` from payload offset `off` into `data` (heap or page memory).
    fn ctr_xor(&mut self, rec: &mut KernelRecord, off: u32, data: &mut [u8]) {
        let mut data = data;
        let mut off = off;
        let lead = (off % 16) as usize;
        if lead != 0 && !data.is_empty() {
            if !self.keystream_block(rec, layout::payload_counter(off.into())) {
                return self.fail(rec);
            }
            let n = (16 - lead).min(data.len());
            for (d, k) in data[..n].iter_mut().zip(&self.scratch.block[lead..]) {
                *d ^= k;
            }
            tls12::wipe(&mut self.scratch.block);
            data = &mut data[n..];
            off += n as u32;
        }
        if data.is_empty() {
            return;
        }
        let iv = layout::counter_block(&rec.nonce, layout::payload_counter(off.into()));
        // SAFETY: `ctr` is live; `iv` is a 16-byte counter block; `data` is the device's own
        // receive buffer (page memory, addressable by a scatterlist), valid for its length.
        let rc = unsafe {
            bindings::tlsnic_ctr_xor(
                self.ctr.as_ptr(),
                iv.as_ptr(),
                data.as_mut_ptr().cast(),
                data.len() as u32,
            )
        };
        if rc != 0 {
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
            failed: false,
        };
        if self.keystream_block(&mut rec, layout::TAG_MASK_COUNTER) {
            rec.mask = self.scratch.block;
            tls12::wipe(&mut self.scratch.block);
        } else {
            self.fail(&mut rec);
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

    fn verify(&mut self, mut rec: KernelRecord, tag: &[u8; TAG_LEN]) -> bool {
        let pad = [0u8; 16];
        let fill = layout::pad_len(rec.len.into());
        self.ghash(&mut rec, false, &pad[..fill], None);
        let lens = layout::lengths_block(AAD_LEN as u64, rec.len.into());
        let mut s = [0u8; 16];
        self.ghash(&mut rec, false, &lens, Some(&mut s));
        let matches = layout::tag_matches(&s, &rec.mask, tag);
        tls12::wipe(&mut s);
        !rec.failed && matches
    }
}

impl Drop for KernelOpener {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once; nothing runs on them any more (`&mut self`).
        // The kernel frees key schedules with `kfree_sensitive`.
        unsafe {
            bindings::tlsnic_ghash_free(self.ghash.as_ptr());
            bindings::tlsnic_ctr_free(self.ctr.as_ptr());
        }
    }
}
