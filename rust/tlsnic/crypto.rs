// SPDX-License-Identifier: GPL-2.0

//! Kernel crypto API passthrough: a TLS record sealer on an AEAD transform (`gcm(aes)`).
//!
//! Part of the abstraction layer (this file holds `unsafe` code). A [`RecordSealer`] owns one
//! transform, one request and one record block ([`SealPage`]); [`RecordSealer::seal_pages`]
//! encrypts a record laid out as on the wire straight from the pages that hold it (which are
//! never written) into the block, with the tag; the block is then read
//! ([`RecordSealer::record`]) or attached to skbs by reference ([`RecordSealer::page`]). A block
//! still referenced by skbs is never written again: the next record gets a fresh one. Only
//! ciphertext, headers and tags are ever written to blocks.
//!
//! The transform is whatever the kernel resolves for the name: on x86 `gcm(aes)` is the AES-NI /
//! VAES implementation behind the SIMD wrapper, which completes synchronously whenever the FPU is
//! usable (always, in the softirq context of a transmit). When an implementation completes
//! asynchronously anyway (`-EINPROGRESS`), the buffer stays with the crypto driver until the
//! completion callback: [`SealError::Pending`] is returned, the caller drops the packet, and the
//! sealer refuses work until the callback has run. Dropping the sealer waits for it.

use crate::bindings;
use crate::tls::{RecordPages, SealPage, MAX_FRAGS};
use crate::tlsnic_core::tls12::{self, AAD_LEN, MAX_RECORD, NONCE_LEN, PREPEND_LEN, TAG_LEN};
use core::{
    ffi::{c_int, c_void},
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::from_err_ptr, prelude::*, str::CStr, types::Opaque};

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
}

/// One AEAD transform, request and record buffer. See the module documentation.
pub(crate) struct RecordSealer {
    tfm: NonNull<bindings::crypto_aead>,
    req: NonNull<bindings::aead_request>,
    inner: KBox<Inner>,
}

// SAFETY: the transform and request are used by one thread at a time (`&mut self`), the crypto
// API allows that from any context, and completion only touches `inner.inflight`.
unsafe impl Send for RecordSealer {}
// SAFETY: `&self` methods only read the buffer (when nothing is in flight) and the driver name.
unsafe impl Sync for RecordSealer {}

impl RecordSealer {
    /// Allocates transform `alg` (e.g. `gcm(aes)`), keys it with `key` and allocates a first
    /// record block. Process context only.
    pub(crate) fn new(alg: &CStr, key: &[u8]) -> Result<Self> {
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
            },
            GFP_KERNEL,
        )?;
        // SAFETY: `alg` is a NUL-terminated string; type and mask 0 accept synchronous and
        // asynchronous implementations.
        let tfm = from_err_ptr(unsafe { bindings::crypto_alloc_aead(alg.as_char_ptr(), 0, 0) })?;
        let tfm = NonNull::new(tfm).ok_or(ENOMEM)?;
        let free_tfm = |e: Error| {
            // SAFETY: allocated above and not used by anyone else.
            unsafe { bindings::tlsnic_crypto_free_aead(tfm.as_ptr()) };
            e
        };
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
        // SAFETY: `sg` is ours, two entries long.
        unsafe { bindings::sg_init_table(inner.sg.get().cast(), 2) };
        Ok(Self { tfm, req, inner })
    }

    /// The implementation the kernel resolved (e.g. `generic-gcm-aesni`).
    pub(crate) fn driver_name(&self) -> &CStr {
        // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
        // string that outlives it.
        unsafe { CStr::from_char_ptr(bindings::tlsnic_crypto_aead_driver_name(self.tfm.as_ptr())) }
    }

    fn idle(&self) -> bool {
        !self.inner.inflight.load(Ordering::Acquire)
    }

    /// The sealed record's block, for reading. Fails while a request is in flight.
    pub(crate) fn record(&self) -> Result<&[u8], SealError> {
        self.page().map(|p| p.bytes())
    }

    /// The sealed record's block, to attach to skbs. Fails while a request is in flight.
    pub(crate) fn page(&self) -> Result<&SealPage, SealError> {
        if !self.idle() {
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
        if !self.idle() {
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

    /// Points the destination table at the additional data and the private record block and
    /// runs the (idle) request with source `src`, the page table of `seal_pages`.
    fn submit(&mut self, src: *mut bindings::scatterlist, pt_len: usize) -> Result<(), SealError> {
        let inner = &mut *self.inner;
        let aad_ptr = inner.aad.as_ptr();
        let page = inner.page.as_ref().ok_or(SealError::NoMem)?.as_raw();
        let dst: *mut bindings::scatterlist = inner.sg.get().cast();
        let flag: *const AtomicBool = &inner.inflight;
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
                self.req.as_ptr(),
                src,
                dst,
                AAD_LEN as u32,
                pt_len as u32,
                inner.iv.as_mut_ptr(),
                Some(Self::complete),
                flag.cast_mut().cast(),
            );
            bindings::crypto_aead_encrypt(self.req.as_ptr())
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

    /// Completion callback of an asynchronous request.
    ///
    /// # Safety
    ///
    /// `data` is the `inflight` flag of a live [`Inner`] (set in [`RecordSealer::submit`]).
    unsafe extern "C" fn complete(data: *mut c_void, err: c_int) {
        if err == -(bindings::EINPROGRESS as c_int) {
            // A backlogged request started; the final completion follows.
            return;
        }
        // SAFETY: per the function's contract; `Drop` waits for this store before freeing.
        let flag = unsafe { &*data.cast::<AtomicBool>() };
        flag.store(false, Ordering::Release);
    }
}

impl Drop for RecordSealer {
    fn drop(&mut self) {
        // Process context (flow teardown): wait for an asynchronous request to let go of the
        // buffer, the IV and the request.
        while !self.idle() {
            // SAFETY: `msleep` may be called from process context.
            unsafe { bindings::msleep(1) };
        }
        // SAFETY: nothing is in flight; the request and transform were allocated in `new` and
        // are freed once (the transform frees its key schedule with `kfree_sensitive`).
        unsafe {
            bindings::tlsnic_aead_request_free(self.req.as_ptr());
            bindings::tlsnic_crypto_free_aead(self.tfm.as_ptr());
        }
        // Plaintext is only ever read from the socket's pages, never copied here; the block holds
        // ciphertext and skbs may still reference it (it is freed with the last reference).
        tls12::wipe(&mut self.inner.aad);
        tls12::wipe(&mut self.inner.iv);
        self.inner.src_pages = None;
        self.inner.page = None;
    }
}
