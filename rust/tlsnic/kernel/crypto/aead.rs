// SPDX-License-Identifier: GPL-2.0

//! AEAD encryption on the kernel crypto API ([`AeadEncryptor`]): one transform and one request
//! that encrypts page spans ([`PageRefs`], never written) into a private [`PageBlock`], with the
//! tag after the ciphertext.
//!
//! The transform is whatever the kernel resolves for the name: on x86 `gcm(aes)` is the AES-NI /
//! VAES implementation behind the SIMD wrapper, which completes synchronously whenever the FPU
//! is usable. When an implementation completes asynchronously (`-EINPROGRESS`; always for
//! `cryptd(...)`), the block, the sources, the IV and the additional data stay with the crypto
//! driver until the completion callback: [`AeadError::Pending`] is returned, the encryptor refuses
//! work until the callback has run, and the callback kicks the given work ([`Kick`]), whose
//! owner picks the result up with [`AeadEncryptor::take_async_result`]. Dropping the encryptor
//! waits for the callback.

use crate::base::bindings;
use crate::base::crypto::wipe;
use crate::base::page::{PageBlock, PageRefs, MAX_SPANS};
use crate::base::sync::RcuGuard;
use crate::base::workqueue::Kick;
use core::{
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicI32, Ordering},
};
use kernel::{
    error::{from_err_ptr, to_result},
    ffi::{c_int, c_void},
    prelude::*,
    str::CStr,
    types::Opaque,
};

/// Longest additional data an [`AeadEncryptor`] takes.
pub(crate) const MAX_AAD: usize = 16;

/// IV length the encryptor requires of its transform.
pub(crate) const IV_LEN: usize = 12;

/// Why an encryption did not produce its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AeadError {
    /// The transform cannot take the request now: an earlier one still runs asynchronously
    /// ([`AeadEncryptor`]), or SIMD is not usable in this context ([`AeadDecryptor`]). Nothing
    /// was done.
    Busy,
    /// This request went asynchronous; its result comes later.
    Pending,
    /// The transform failed, or the request does not fit. An [`AeadDecryptor`] may have
    /// written part of the buffer.
    Failed,
    /// No memory for the output block.
    NoMem,
}

/// State the crypto driver may use while a request is in flight: heap-allocated so its address
/// is stable, and freed only once nothing is in flight.
struct Inner {
    /// The additional data (in this kmalloc'ed allocation, so scatterlists can point at it).
    aad: [u8; MAX_AAD],
    /// The output block.
    block: Option<PageBlock>,
    /// The IV of the request.
    iv: [u8; 16],
    /// Destination: additional data, then ciphertext and tag in `block`.
    dst_sg: Opaque<[bindings::scatterlist; 2]>,
    /// Source: additional data, then the plaintext's page spans.
    src_sg: Opaque<[bindings::scatterlist; MAX_SPANS + 1]>,
    /// The pages `src_sg` points to, referenced until the next request (or drop).
    src: Option<PageRefs>,
    /// A request is with an asynchronous implementation.
    inflight: AtomicBool,
    /// An asynchronous request completed and its result was not taken yet.
    completed: AtomicBool,
    /// Its result (0 or a negative errno).
    status: AtomicI32,
    /// Kicked when an asynchronous request completes.
    kick: Option<Kick>,
}

/// Checks that transform `tfm` takes [`IV_LEN`]-byte IVs, keys it with `key`, sets a tag of
/// `tag_len` bytes and allocates its request. On failure `tfm` is freed. Process context.
///
/// # Safety
///
/// `tfm` is a live transform owned by the caller and used by nobody else; on error the caller
/// no longer owns it.
unsafe fn key_and_request(
    tfm: NonNull<bindings::crypto_aead>,
    key: &[u8],
    tag_len: u32,
) -> Result<NonNull<bindings::aead_request>> {
    let free_tfm = |e: Error| {
        // SAFETY: the caller's transform, used by nobody else, which it gives up on error.
        unsafe { bindings::tlsnic_crypto_free_aead(tfm.as_ptr()) };
        e
    };
    // SAFETY: `tfm` is a live transform.
    if unsafe { bindings::tlsnic_crypto_aead_ivsize(tfm.as_ptr()) } as usize != IV_LEN {
        return Err(free_tfm(EINVAL));
    }
    // SAFETY: `tfm` is a live transform; `key` is a valid slice of the given length.
    to_result(unsafe {
        bindings::crypto_aead_setkey(tfm.as_ptr(), key.as_ptr(), key.len() as u32)
    })
    .and_then(|()| {
        // SAFETY: as above.
        to_result(unsafe { bindings::crypto_aead_setauthsize(tfm.as_ptr(), tag_len) })
    })
    .map_err(free_tfm)?;
    // SAFETY: `tfm` is a live transform.
    let req =
        unsafe { bindings::tlsnic_aead_request_alloc(tfm.as_ptr(), bindings::TLSNIC_GFP_KERNEL) };
    NonNull::new(req).ok_or(ENOMEM).map_err(free_tfm)
}

/// An AEAD transform, its request and its output block. See the module documentation.
///
/// # Invariants
///
/// `tfm` and `req` are a live transform and a request allocated for it, used only through
/// `&mut self`; a request in flight (`inner.inflight`) uses only `inner`. The transform is keyed,
/// unless a [`AeadEncryptor::set_key`] failed (its operations then fail).
pub(crate) struct AeadEncryptor {
    tfm: NonNull<bindings::crypto_aead>,
    req: NonNull<bindings::aead_request>,
    tag_len: u32,
    inner: KBox<Inner>,
}

// SAFETY: the transform and request are used by one thread at a time (`&mut self`), the crypto
// API allows that from any context, and completion only touches `inner`'s atomics.
unsafe impl Send for AeadEncryptor {}
// SAFETY: `&self` methods only read the block (when nothing is in flight) and the driver name.
unsafe impl Sync for AeadEncryptor {}

impl AeadEncryptor {
    /// Allocates transform `alg` (e.g. `gcm(aes)`), keys it with `key`, sets a tag of `tag_len`
    /// bytes, and allocates its request and a first output block. The transform must take
    /// [`IV_LEN`]-byte IVs. `kick` is kicked when an asynchronous request completes. Process
    /// context.
    pub(crate) fn new(alg: &CStr, key: &[u8], tag_len: u32, kick: Option<Kick>) -> Result<Self> {
        let inner = KBox::new(
            Inner {
                aad: [0; MAX_AAD],
                block: Some(PageBlock::alloc().ok_or(ENOMEM)?),
                iv: [0; 16],
                dst_sg: Opaque::uninit(),
                src_sg: Opaque::uninit(),
                src: None,
                inflight: AtomicBool::new(false),
                completed: AtomicBool::new(false),
                status: AtomicI32::new(0),
                kick,
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `alg` is a NUL-terminated string; type and mask 0 accept synchronous and
        // asynchronous implementations.
        let tfm = from_err_ptr(unsafe { bindings::crypto_alloc_aead(alg.as_char_ptr(), 0, 0) })?;
        let tfm = NonNull::new(tfm).ok_or(ENOMEM)?;
        // SAFETY: `tfm` was just allocated and is ours.
        let req = unsafe { key_and_request(tfm, key, tag_len) }?;
        // INVARIANT: a live transform and its request.
        Ok(Self {
            tfm,
            req,
            tag_len,
            inner,
        })
    }

    /// The implementation the kernel resolved (e.g. `generic-gcm-aesni`).
    pub(crate) fn driver_name(&self) -> &CStr {
        // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
        // string that outlives it.
        unsafe { CStr::from_char_ptr(bindings::tlsnic_crypto_aead_driver_name(self.tfm.as_ptr())) }
    }

    /// Waits for a request in flight to complete, and forgets its result. Process context.
    pub(crate) fn quiesce(&mut self) {
        while self.busy() {
            // SAFETY: `msleep` may be called from process context.
            unsafe { bindings::msleep(1) };
        }
        self.inner.completed.store(false, Ordering::Relaxed);
    }

    /// Hands the encryptor to another flow, or takes it from one: waits for a request in
    /// flight ([`AeadEncryptor::quiesce`]), zeroes what the last request left (the additional
    /// data, the IV and the implementation's request state: for some implementations a GHASH
    /// value, from which the tag mask of the old key follows), lets go of the last request's
    /// pages and of the output block (a new one is allocated by the next
    /// [`AeadEncryptor::block_mut`]), sets the work kicked on asynchronous completion and keys
    /// the transform with `key` (zeroes wipe the schedule). On error the transform has no usable
    /// key. Process context.
    pub(crate) fn set_key(&mut self, key: &[u8], kick: Option<Kick>) -> Result {
        self.quiesce();
        let inner = &mut *self.inner;
        // Nothing is in flight: the completion callback no longer reads `inner`.
        inner.kick = kick;
        inner.src = None;
        inner.block = None;
        wipe(&mut inner.aad);
        wipe(&mut inner.iv);
        // SAFETY: the request is ours and idle (nothing in flight after `quiesce`); every
        // implementation sets up its part of the request again for each operation.
        unsafe { bindings::tlsnic_aead_request_wipe(self.req.as_ptr()) };
        // SAFETY: the transform is live and ours (`&mut self`), idle (nothing in flight);
        // `key` is valid for its length.
        to_result(unsafe {
            bindings::crypto_aead_setkey(self.tfm.as_ptr(), key.as_ptr(), key.len() as u32)
        })
    }

    /// Whether an asynchronous request is still running.
    pub(crate) fn busy(&self) -> bool {
        self.inner.inflight.load(Ordering::Acquire)
    }

    /// The result of the last request that went asynchronous, once: `None` if none completed
    /// since the last call (or one is still running).
    pub(crate) fn take_async_result(&mut self) -> Option<Result<(), AeadError>> {
        if self.busy() || !self.inner.completed.swap(false, Ordering::Acquire) {
            return None;
        }
        Some(match self.inner.status.load(Ordering::Relaxed) {
            0 => Ok(()),
            _ => Err(AeadError::Failed),
        })
    }

    /// The output block, for reading or attaching to skbs. Fails while a request is in flight.
    pub(crate) fn block(&self) -> Result<&PageBlock, AeadError> {
        if self.busy() {
            return Err(AeadError::Busy);
        }
        self.inner.block.as_ref().ok_or(AeadError::NoMem)
    }

    /// The output block, for writing what precedes the ciphertext: a fresh block if skbs still
    /// reference the current one (which then keeps its contents for them). Fails while a
    /// request is in flight.
    pub(crate) fn block_mut(&mut self) -> Result<&mut [u8], AeadError> {
        if self.busy() {
            return Err(AeadError::Busy);
        }
        let inner = &mut *self.inner;
        if inner.block.as_ref().map_or(true, |b| b.is_shared()) {
            inner.block = Some(PageBlock::alloc().ok_or(AeadError::NoMem)?);
        }
        inner
            .block
            .as_mut()
            .and_then(|b| b.bytes_mut())
            .ok_or(AeadError::NoMem)
    }

    /// Encrypts `len` bytes of `src`, from byte `skip` on, into the output block at `dst_off`
    /// (ciphertext, then the tag), authenticating `aad` with them, with `iv`. `src` stays
    /// referenced until the next request, so an asynchronous implementation may still read it.
    /// Call [`AeadEncryptor::block_mut`] first: the block must be private.
    pub(crate) fn encrypt(
        &mut self,
        src: PageRefs,
        skip: u32,
        len: u32,
        aad: &[u8],
        iv: &[u8; IV_LEN],
        dst_off: u32,
    ) -> Result<(), AeadError> {
        let tag_len = self.tag_len;
        if self.busy() {
            return Err(AeadError::Busy);
        }
        let inner = &mut *self.inner;
        // Release the previous request's pages.
        inner.src = None;
        let block = inner.block.as_ref().ok_or(AeadError::NoMem)?;
        let end = dst_off as usize + len as usize + tag_len as usize;
        if aad.len() > MAX_AAD || end > PageBlock::SIZE || block.is_shared() {
            return Err(AeadError::Failed);
        }
        inner.aad[..aad.len()].copy_from_slice(aad);
        inner.iv[..IV_LEN].copy_from_slice(iv);
        let ssg: *mut bindings::scatterlist = inner.src_sg.get().cast();
        let dsg: *mut bindings::scatterlist = inner.dst_sg.get().cast();
        // `src_sg` has `MAX_SPANS + 1` entries: the additional data, then at most `MAX_SPANS`
        // page spans (`src` has no more), skipping `skip` bytes and stopping after `len`;
        // `dst_sg` has two: the additional data, then the block's `[dst_off, end)`.
        // SAFETY: both tables are ours, idle (nothing in flight) and filled within their sizes.
        unsafe {
            bindings::sg_init_table(ssg, (MAX_SPANS + 1) as u32);
            bindings::tlsnic_sg_set_buf(ssg, inner.aad.as_ptr().cast(), aad.len() as u32);
            let mut n = 1usize;
            let (mut skip, mut want) = (skip, len);
            for span in src.spans() {
                if want == 0 {
                    break;
                }
                if skip >= span.len {
                    skip -= span.len;
                    continue;
                }
                let take = (span.len - skip).min(want);
                bindings::tlsnic_sg_set_page(ssg.add(n), span.page.as_ptr(), take, span.off + skip);
                n += 1;
                want -= take;
                skip = 0;
            }
            if want != 0 {
                return Err(AeadError::Failed);
            }
            bindings::tlsnic_sg_mark_end(ssg.add(n - 1));
            bindings::sg_init_table(dsg, 2);
            bindings::tlsnic_sg_set_buf(dsg, inner.aad.as_ptr().cast(), aad.len() as u32);
            bindings::tlsnic_sg_set_page(dsg.add(1), block.as_raw(), len + tag_len, dst_off);
        }
        inner.src = Some(src);
        let data: *const Inner = inner;
        inner.completed.store(false, Ordering::Relaxed);
        inner.inflight.store(true, Ordering::Release);
        let req = self.req.as_ptr();
        // SAFETY: the request is idle (type invariant); the tables, the additional data, the IV,
        // the block and the source pages all live in or are referenced by `inner` until `Drop`,
        // which waits for an asynchronous request; `complete` gets `inner`.
        let rc = unsafe {
            bindings::tlsnic_aead_request_set_callback(
                req,
                Some(Self::complete),
                data.cast_mut().cast(),
            );
            bindings::tlsnic_aead_request_set_crypt(req, ssg, dsg, len, inner.iv.as_mut_ptr());
            bindings::tlsnic_aead_request_set_ad(req, aad.len() as u32);
            bindings::crypto_aead_encrypt(req)
        };
        // Without `CRYPTO_TFM_REQ_MAY_BACKLOG`, only `-EINPROGRESS` means the request was
        // queued (`-EBUSY` means it was refused).
        if rc == -(bindings::EINPROGRESS as c_int) {
            // The callback clears `inflight`.
            return Err(AeadError::Pending);
        }
        inner.inflight.store(false, Ordering::Release);
        if rc != 0 {
            return Err(AeadError::Failed);
        }
        Ok(())
    }

    /// Completion callback of an asynchronous request (any context).
    ///
    /// # Safety
    ///
    /// `data` is a live [`Inner`] with a request in flight (set in [`AeadEncryptor::encrypt`]).
    unsafe extern "C" fn complete(data: *mut c_void, err: c_int) {
        if err == -(bindings::EINPROGRESS as c_int) {
            // A backlogged request started; the final completion follows.
            return;
        }
        // SAFETY: per the function's contract; `Drop` waits for the `inflight` store below
        // before freeing, and nothing else writes these fields while a request is in flight.
        let inner = unsafe { &*data.cast::<Inner>() };
        // The `Kick` keeps the work's allocation alive, but `inner` may be freed as soon as
        // `inflight` is clear: take the handle first.
        let kick = inner.kick.clone();
        inner.status.store(err, Ordering::Relaxed);
        inner.completed.store(true, Ordering::Relaxed);
        // The kick happens inside an RCU read section, which the work's owner waits for before
        // it cancels the work (see `DeviceWork`), and with our own reference to the work.
        let rcu = RcuGuard::lock();
        inner.inflight.store(false, Ordering::Release);
        if let Some(kick) = &kick {
            kick.kick(&rcu);
        }
        drop(rcu);
    }
}

impl Drop for AeadEncryptor {
    fn drop(&mut self) {
        // Process context (flow teardown): wait for an asynchronous request to let go of the
        // block, the IV and the request.
        self.quiesce();
        // SAFETY: nothing is in flight; the request and transform were allocated in `new` and
        // are freed once (the request with `kfree_sensitive`, the transform's key schedule too).
        unsafe {
            bindings::tlsnic_aead_request_free(self.req.as_ptr());
            bindings::tlsnic_crypto_free_aead(self.tfm.as_ptr());
        }
        wipe(&mut self.inner.aad);
        wipe(&mut self.inner.iv);
        // Blocks hold what the owner put there and ciphertext; skbs may still reference them (a
        // block is freed with the last reference).
        self.inner.src = None;
        self.inner.block = None;
    }
}

/// AEAD decryption in place, synchronously, for the receive path (softirq): a transform that
/// never completes asynchronously and one request.
///
/// The transform is the kernel's internal `__gcm(aes)` where the architecture has one (on x86 the
/// AES-NI/VAES and PCLMULQDQ implementation that `gcm(aes)` wraps: synchronous, but usable only
/// where SIMD is, which [`AeadDecryptor::decrypt`] checks first, as the wrapper does), else the
/// synchronous `gcm(aes)` the crypto API builds. It is never the wrapper itself, which may hand a
/// request to `cryptd` and complete later: a receive softirq cannot wait for that.
///
/// # Invariants
///
/// `tfm` is a live keyed synchronous transform with 12-byte IVs and `req` a request allocated
/// for it, with no flags and no callback, used only through `&mut self`. After a failed
/// [`AeadDecryptor::set_key`] the transform has no usable key (its operations then fail).
pub(crate) struct AeadDecryptor {
    tfm: NonNull<bindings::crypto_aead>,
    req: NonNull<bindings::aead_request>,
    /// The transform is an internal SIMD implementation: usable only where SIMD is.
    needs_simd: bool,
    tag_len: u32,
    /// Additional data and IV, in kmalloc'ed memory a scatterlist can point at.
    scratch: KBox<DecryptScratch>,
}

struct DecryptScratch {
    aad: [u8; MAX_AAD],
    iv: [u8; 16],
    sg: Opaque<[bindings::scatterlist; 3]>,
}

// SAFETY: the transform and request are used by one thread at a time (`&mut self`); synchronous
// transforms may be used in any context.
unsafe impl Send for AeadDecryptor {}
// SAFETY: `&self` methods only read the driver name.
unsafe impl Sync for AeadDecryptor {}

impl AeadDecryptor {
    /// A decryptor for `gcm(aes)` keyed with `key`, with tags of `tag_len` bytes. Process
    /// context.
    pub(crate) fn gcm_aes(key: &[u8], tag_len: u32) -> Result<Self> {
        // Whether the internal implementation was found missing: asking again would try to
        // load modules for it on every flow.
        static NO_INTERNAL: AtomicBool = AtomicBool::new(false);
        let scratch = KBox::new(
            DecryptScratch {
                aad: [0; MAX_AAD],
                iv: [0; 16],
                sg: Opaque::uninit(),
            },
            GFP_KERNEL,
        )?;
        let internal = bindings::TLSNIC_CRYPTO_ALG_INTERNAL;
        let sync_only = bindings::TLSNIC_CRYPTO_ALG_ASYNC;
        let mut found = None;
        if !NO_INTERNAL.load(Ordering::Relaxed) {
            // SAFETY: the name is a NUL-terminated string; the type and mask ask for an internal
            // synchronous implementation.
            match from_err_ptr(unsafe {
                bindings::crypto_alloc_aead(
                    kernel::c_str!("__gcm(aes)").as_char_ptr(),
                    internal,
                    internal | sync_only,
                )
            }) {
                Ok(tfm) => found = Some((tfm, true)),
                Err(_) => NO_INTERNAL.store(true, Ordering::Relaxed),
            }
        }
        let (tfm, needs_simd) = match found {
            Some(found) => found,
            None => {
                // SAFETY: as above; any synchronous implementation.
                let tfm = unsafe {
                    bindings::crypto_alloc_aead(
                        kernel::c_str!("gcm(aes)").as_char_ptr(),
                        0,
                        sync_only,
                    )
                };
                (from_err_ptr(tfm)?, false)
            }
        };
        let tfm = NonNull::new(tfm).ok_or(ENOMEM)?;
        // SAFETY: `tfm` was just allocated and is ours.
        let req = unsafe { key_and_request(tfm, key, tag_len) }?;
        // SAFETY: the request was just allocated for `tfm`; no flags, no callback: the
        // transform is synchronous.
        unsafe {
            bindings::tlsnic_aead_request_set_callback(req.as_ptr(), None, core::ptr::null_mut())
        };
        // INVARIANT: a live keyed synchronous transform and its request.
        Ok(Self {
            tfm,
            req,
            needs_simd,
            tag_len,
            scratch,
        })
    }

    /// The implementation the kernel resolved (e.g. `__generic-gcm-aesni`).
    pub(crate) fn driver_name(&self) -> &CStr {
        // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
        // string that outlives it.
        unsafe { CStr::from_char_ptr(bindings::tlsnic_crypto_aead_driver_name(self.tfm.as_ptr())) }
    }

    /// Zeroes the request's implementation state (left from the last record) and keys the
    /// transform with `key` (another flow's, or zeroes to wipe the schedule). On error the
    /// transform has no usable key. Process context.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        // SAFETY: the request is ours and idle (synchronous: nothing in flight after a call);
        // every implementation sets up its part of the request again for each operation.
        unsafe { bindings::tlsnic_aead_request_wipe(self.req.as_ptr()) };
        // SAFETY: the transform is live and ours (`&mut self`) and synchronous, so idle; `key`
        // is valid for its length.
        to_result(unsafe {
            bindings::crypto_aead_setkey(self.tfm.as_ptr(), key.as_ptr(), key.len() as u32)
        })
    }

    /// Decrypts `first` followed by `second` (ciphertext, then the tag; `second` may be empty),
    /// in place, and checks the tag over `aad` and the ciphertext, with `iv`: `Ok(true)` if it
    /// matches (`Ok(false)`: it does not, and the buffers hold what the transform made of them).
    /// `Err(Busy)` if it cannot run here now (SIMD unusable in this context, a buffer outside
    /// the direct map, additional data too long): the buffers are untouched and the caller may
    /// take another way. `Err(Failed)` if the transform failed (out of memory in its walk, say),
    /// possibly after writing part of them.
    pub(crate) fn decrypt(
        &mut self,
        iv: &[u8; IV_LEN],
        aad: &[u8],
        first: &mut [u8],
        second: &mut [u8],
    ) -> Result<bool, AeadError> {
        let len = first.len() + second.len();
        if aad.len() > MAX_AAD || len < self.tag_len as usize {
            return Err(AeadError::Busy);
        }
        let mapped = |b: &[u8]| {
            if b.is_empty() {
                return true;
            }
            // SAFETY: both addresses are inside `b` (non-empty); the check has no
            // preconditions.
            unsafe {
                bindings::tlsnic_virt_addr_valid(b.as_ptr().cast())
                    && bindings::tlsnic_virt_addr_valid(b.as_ptr().add(b.len() - 1).cast())
            }
        };
        // SAFETY: the SIMD check has no preconditions.
        let simd = || !self.needs_simd || unsafe { bindings::tlsnic_crypto_simd_usable() };
        if !(mapped(first) && mapped(second) && simd()) {
            return Err(AeadError::Busy);
        }
        let scratch = &mut *self.scratch;
        scratch.aad[..aad.len()].copy_from_slice(aad);
        scratch.iv[..IV_LEN].copy_from_slice(iv);
        let sg: *mut bindings::scatterlist = scratch.sg.get().cast();
        let req = self.req.as_ptr();
        let parts = [first, second];
        let entries = 1 + parts.iter().filter(|p| !p.is_empty()).count();
        // Nothing uses the buffers after the call: the request is synchronous.
        // SAFETY: our table (up to three entries): the additional data (kmalloc'ed), then the
        // non-empty buffers, directly mapped (checked above) hence physically contiguous; the
        // request is ours and synchronous (type invariant).
        let rc = unsafe {
            bindings::sg_init_table(sg, entries as u32);
            bindings::tlsnic_sg_set_buf(sg, scratch.aad.as_ptr().cast(), aad.len() as u32);
            let mut entry = sg;
            for part in parts.into_iter().filter(|p| !p.is_empty()) {
                entry = entry.add(1);
                bindings::tlsnic_sg_set_buf(entry, part.as_mut_ptr().cast(), part.len() as u32);
            }
            bindings::tlsnic_aead_request_set_crypt(
                req,
                sg,
                sg,
                len as u32,
                scratch.iv.as_mut_ptr(),
            );
            bindings::tlsnic_aead_request_set_ad(req, aad.len() as u32);
            bindings::crypto_aead_decrypt(req)
        };
        wipe(&mut scratch.iv);
        match rc {
            0 => Ok(true),
            rc if rc == -(bindings::EBADMSG as c_int) => Ok(false),
            _ => Err(AeadError::Failed),
        }
    }
}

impl Drop for AeadDecryptor {
    fn drop(&mut self) {
        // SAFETY: allocated in `gcm_aes`, freed once; the transform is synchronous, so nothing
        // is in flight (`&mut self`).
        unsafe {
            bindings::tlsnic_aead_request_free(self.req.as_ptr());
            bindings::tlsnic_crypto_free_aead(self.tfm.as_ptr());
        }
        wipe(&mut self.scratch.aad);
    }
}
