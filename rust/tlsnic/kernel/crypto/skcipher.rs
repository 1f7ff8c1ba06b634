// SPDX-License-Identifier: GPL-2.0

//! Synchronous symmetric ciphers ([`SyncSkcipher`]): a transform that never completes
//! asynchronously (`crypto_alloc_sync_skcipher`), so it can run in any context, such as the
//! receive softirq; or the kernel's internal SIMD implementation of an algorithm
//! ([`SyncSkcipher::new_simd`]), synchronous too, but usable only where SIMD is.

use crate::base::bindings;
use crate::base::crypto::{simd_usable, wipe};
use core::ptr::NonNull;
use kernel::{error::from_err_ptr, error::to_result, prelude::*, str::CStr};

/// Bytes of the bounce buffer for data a scatterlist cannot point at (a multiple of every block
/// size).
const BOUNCE: usize = 256;

/// A synchronous skcipher transform and its request.
///
/// # Invariants
///
/// `tfm` is a live keyed transform with 16-byte IVs and `req` a request allocated for it, with
/// no flags and no callback, used only through `&mut self`. If `needs_simd`, the transform is an
/// internal SIMD implementation, run only where [`simd_usable`] says SIMD is. After a failed
/// [`SyncSkcipher::set_key`] the transform has no usable key (its operations then fail).
pub(crate) struct SyncSkcipher {
    tfm: NonNull<bindings::crypto_sync_skcipher>,
    req: NonNull<bindings::skcipher_request>,
    needs_simd: bool,
    /// For data outside the direct map (a virtually mapped stack, say), which a scatterlist
    /// cannot describe.
    bounce: KBox<[u8; BOUNCE]>,
}

// SAFETY: the transform and request are used by one thread at a time (`&mut self`); the crypto
// API allows synchronous transforms in any context.
unsafe impl Send for SyncSkcipher {}
// SAFETY: `&self` methods only read the driver name.
unsafe impl Sync for SyncSkcipher {}

impl SyncSkcipher {
    /// Allocates transform `alg` (e.g. `ctr(aes)`) and keys it with `key`. Process context.
    pub(crate) fn new(alg: &CStr, key: &[u8]) -> Result<Self> {
        Self::alloc(alg, key, false)
    }

    /// Allocates the kernel's internal SIMD implementation of `alg` (e.g. `__ctr(aes)`, x86's
    /// AES-NI counter mode) and keys it with `key`; `ENOENT` if the kernel has none. Its
    /// operations fail with `EBUSY`, touching nothing, where SIMD is not usable at the moment.
    /// Process context.
    pub(crate) fn new_simd(alg: &CStr, key: &[u8]) -> Result<Self> {
        Self::alloc(alg, key, true)
    }

    fn alloc(alg: &CStr, key: &[u8], simd: bool) -> Result<Self> {
        let bounce = KBox::new([0u8; BOUNCE], GFP_KERNEL)?;
        let internal = if simd {
            bindings::TLSNIC_CRYPTO_ALG_INTERNAL
        } else {
            0
        };
        // SAFETY: `alg` is a NUL-terminated string; the type and mask ask for an internal
        // implementation or for any but an internal one.
        let tfm =
            unsafe { bindings::crypto_alloc_sync_skcipher(alg.as_char_ptr(), internal, internal) };
        let tfm = NonNull::new(from_err_ptr(tfm)?).ok_or(ENOMEM)?;
        let free = |e: Error| {
            // SAFETY: allocated above and not used by anyone else.
            unsafe { bindings::tlsnic_crypto_free_sync_skcipher(tfm.as_ptr()) };
            e
        };
        // SAFETY: `tfm` is live; `key` is valid for its length.
        to_result(unsafe {
            bindings::tlsnic_crypto_sync_skcipher_setkey(
                tfm.as_ptr(),
                key.as_ptr(),
                key.len() as u32,
            )
        })
        .map_err(free)?;
        // The IV `encrypt` takes is one 16-byte block.
        // SAFETY: `tfm` is live.
        if unsafe { bindings::tlsnic_crypto_sync_skcipher_ivsize(tfm.as_ptr()) } != 16 {
            return Err(free(EINVAL));
        }
        // SAFETY: `tfm` is live.
        let req = unsafe {
            bindings::tlsnic_sync_skcipher_request_alloc(tfm.as_ptr(), bindings::TLSNIC_GFP_KERNEL)
        };
        let req = NonNull::new(req).ok_or(ENOMEM).map_err(free)?;
        // No completion callback and no flags: the transform is synchronous, and the request may
        // run in atomic context (it must not sleep: no `CRYPTO_TFM_REQ_MAY_SLEEP`).
        // SAFETY: the request was just allocated for `tfm`.
        unsafe {
            bindings::tlsnic_skcipher_request_set_callback(
                req.as_ptr(),
                0,
                None,
                core::ptr::null_mut(),
            )
        };
        // INVARIANT: a live keyed transform and its request; an internal one only if `simd`.
        Ok(Self {
            tfm,
            req,
            needs_simd: simd,
            bounce,
        })
    }

    /// The implementation the kernel resolved (e.g. `ctr(aes-aesni)`).
    pub(crate) fn driver_name(&self) -> &CStr {
        // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
        // string that outlives it.
        unsafe {
            CStr::from_char_ptr(bindings::tlsnic_crypto_sync_skcipher_driver_name(
                self.tfm.as_ptr(),
            ))
        }
    }

    /// Zeroes the request's implementation state and the bounce buffer (left from the last
    /// operation) and keys the transform with `key` (another flow's key, or zeroes to wipe the
    /// schedule). On error the transform has no usable key. Process context.
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        wipe(&mut self.bounce[..]);
        // SAFETY: the request is ours and idle (synchronous: nothing in flight after a call);
        // every implementation sets up its part of the request again for each operation.
        unsafe { bindings::tlsnic_skcipher_request_wipe(self.req.as_ptr()) };
        // SAFETY: the transform is live and ours (`&mut self`); `key` is valid for its length.
        to_result(unsafe {
            bindings::tlsnic_crypto_sync_skcipher_setkey(
                self.tfm.as_ptr(),
                key.as_ptr(),
                key.len() as u32,
            )
        })
    }

    /// Encrypts `data` in place with the IV `iv`, which is updated to the chaining value (for
    /// `ctr(aes)`: XORs the keystream from counter block `iv` into `data`, and leaves `iv` at the
    /// next counter block). `EBUSY`, with `data` and `iv` untouched, if the transform needs SIMD
    /// and SIMD is not usable here now.
    pub(crate) fn encrypt(&mut self, iv: &mut [u8; 16], data: &mut [u8]) -> Result {
        if data.is_empty() {
            return Ok(());
        }
        if self.needs_simd && !simd_usable() {
            return Err(EBUSY);
        }
        let last = data.len() - 1;
        // SAFETY: both addresses are inside `data`.
        let direct = unsafe {
            bindings::tlsnic_virt_addr_valid(data.as_ptr().cast())
                && bindings::tlsnic_virt_addr_valid(data.as_ptr().add(last).cast())
        };
        if direct {
            // SAFETY: `data` is directly mapped (checked above), hence contiguous in physical
            // memory, and valid for its length.
            return unsafe { self.encrypt_direct(iv, data.as_mut_ptr(), data.len()) };
        }
        let mut rest = data;
        while !rest.is_empty() {
            let n = rest.len().min(BOUNCE);
            let (chunk, tail) = rest.split_at_mut(n);
            self.bounce[..n].copy_from_slice(chunk);
            let bounce = self.bounce.as_mut_ptr();
            // SAFETY: the bounce buffer is kmalloc'ed (directly mapped) and `n` bytes long.
            let r = unsafe { self.encrypt_direct(iv, bounce, n) };
            chunk.copy_from_slice(&self.bounce[..n]);
            wipe(&mut self.bounce[..n]);
            r?;
            rest = tail;
        }
        Ok(())
    }

    /// # Safety
    ///
    /// `[data, data + len)` is directly mapped memory, valid for reads and writes.
    unsafe fn encrypt_direct(&mut self, iv: &mut [u8; 16], data: *mut u8, len: usize) -> Result {
        let mut sg = core::mem::MaybeUninit::<bindings::scatterlist>::uninit();
        let req = self.req.as_ptr();
        // SAFETY: `sg` is ours and initialised by `sg_init_one` with the caller's buffer, which a
        // scatterlist may describe; the request is ours (type invariant) and synchronous; `iv`
        // outlives the call.
        let rc = unsafe {
            bindings::sg_init_one(sg.as_mut_ptr(), data.cast(), len as u32);
            bindings::tlsnic_skcipher_request_set_crypt(
                req,
                sg.as_mut_ptr(),
                sg.as_mut_ptr(),
                len as u32,
                iv.as_mut_ptr(),
            );
            bindings::crypto_skcipher_encrypt(req)
        };
        to_result(rc)
    }
}

impl Drop for SyncSkcipher {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`, freed once; nothing runs on them any more (`&mut self`).
        // The request is freed with `kfree_sensitive`, the key schedule with the transform.
        unsafe {
            bindings::tlsnic_skcipher_request_free(self.req.as_ptr());
            bindings::tlsnic_crypto_free_sync_skcipher(self.tfm.as_ptr());
        }
    }
}
