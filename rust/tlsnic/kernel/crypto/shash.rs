// SPDX-License-Identifier: GPL-2.0

//! Synchronous hashes with exportable state ([`Shash`]): a keyed transform and one descriptor,
//! so that a hash can be computed in pieces, its state exported between them. The transform may
//! be the kernel's internal SIMD implementation of the hash ([`Shash::new_simd`]), usable only
//! where SIMD is.

use crate::base::bindings;
use crate::base::crypto::simd_usable;
use core::{mem, ptr::NonNull};
use kernel::{error::from_err_ptr, error::to_result, prelude::*, str::CStr};

/// A keyed shash transform and its descriptor.
///
/// # Invariants
///
/// `tfm` is a live keyed transform; `desc` holds a `struct shash_desc` for it followed by its
/// `descsize` bytes of state, in kmalloc'ed memory (so aligned to `ARCH_KMALLOC_MINALIGN`, which
/// the descriptor's `__ctx` asks for), used only through `&mut self`. If `needs_simd`, the
/// transform is an internal SIMD implementation, run only where [`simd_usable`] says SIMD is.
/// After a failed [`Shash::set_key`] the transform has no usable key (its operations then fail).
pub(crate) struct Shash {
    tfm: NonNull<bindings::crypto_shash>,
    desc: KVec<u64>,
    statesize: usize,
    needs_simd: bool,
}

// SAFETY: the descriptor is used by one thread at a time (`&mut self`); shash transforms may be
// used in any context.
unsafe impl Send for Shash {}
// SAFETY: `&self` methods only read the driver name.
unsafe impl Sync for Shash {}

impl Shash {
    /// Allocates transform `alg` (e.g. `ghash`) and keys it with `key`. Process context.
    pub(crate) fn new(alg: &CStr, key: &[u8]) -> Result<Self> {
        Self::alloc(alg, key, false)
    }

    /// Allocates the kernel's internal SIMD implementation of `alg` (e.g. `__ghash`, x86's
    /// PCLMULQDQ GHASH) and keys it with `key`; `ENOENT` if the kernel has none. Its operations
    /// fail with `EBUSY` where SIMD is not usable at the moment, touching neither the state nor
    /// the output. Process context.
    pub(crate) fn new_simd(alg: &CStr, key: &[u8]) -> Result<Self> {
        Self::alloc(alg, key, true)
    }

    fn alloc(alg: &CStr, key: &[u8], simd: bool) -> Result<Self> {
        let internal = if simd {
            bindings::TLSNIC_CRYPTO_ALG_INTERNAL
        } else {
            0
        };
        // SAFETY: `alg` is a NUL-terminated string; the type and mask ask for an internal
        // implementation or for any but an internal one.
        let tfm = unsafe { bindings::crypto_alloc_shash(alg.as_char_ptr(), internal, internal) };
        let tfm = NonNull::new(from_err_ptr(tfm)?).ok_or(ENOMEM)?;
        let free = |e: Error| {
            // SAFETY: allocated above and not used by anyone else.
            unsafe { bindings::tlsnic_crypto_free_shash(tfm.as_ptr()) };
            e
        };
        // SAFETY: `tfm` is live; `key` is valid for its length.
        to_result(unsafe {
            bindings::crypto_shash_setkey(tfm.as_ptr(), key.as_ptr(), key.len() as u32)
        })
        .map_err(free)?;
        // SAFETY: `tfm` is live.
        let (descsize, statesize) = unsafe {
            (
                bindings::tlsnic_crypto_shash_descsize(tfm.as_ptr()) as usize,
                bindings::tlsnic_crypto_shash_statesize(tfm.as_ptr()) as usize,
            )
        };
        let words = (mem::size_of::<bindings::shash_desc>() + descsize).div_ceil(8);
        let mut desc = KVec::with_capacity(words, GFP_KERNEL).map_err(|e| free(e.into()))?;
        desc.extend_with(words, 0, GFP_KERNEL)
            .map_err(|e| free(e.into()))?;
        let mut this = Self {
            tfm,
            desc,
            statesize,
            needs_simd: simd,
        };
        // SAFETY: `desc` is kmalloc'ed and large enough for a `shash_desc` and its state.
        unsafe { (*this.desc_ptr()).tfm = tfm.as_ptr() };
        // INVARIANT: a live keyed transform and its descriptor; an internal one only if `simd`.
        Ok(this)
    }

    fn desc_ptr(&mut self) -> *mut bindings::shash_desc {
        self.desc.as_mut_ptr().cast()
    }

    /// The implementation the kernel resolved (e.g. `ghash-generic`).
    pub(crate) fn driver_name(&self) -> &CStr {
        // SAFETY: the transform is live and its algorithm's name is a static NUL-terminated
        // string that outlives it.
        unsafe { CStr::from_char_ptr(bindings::tlsnic_crypto_shash_driver_name(self.tfm.as_ptr())) }
    }

    /// Bytes of exported state.
    pub(crate) fn statesize(&self) -> usize {
        self.statesize
    }

    /// `EBUSY` if the transform needs SIMD and SIMD is not usable here now.
    fn usable(&self) -> Result {
        if self.needs_simd && !simd_usable() {
            return Err(EBUSY);
        }
        Ok(())
    }

    /// Starts a new hash.
    pub(crate) fn init(&mut self) -> Result {
        self.usable()?;
        // SAFETY: the descriptor belongs to the live transform (type invariant).
        to_result(unsafe { bindings::tlsnic_crypto_shash_init(self.desc_ptr()) })
    }

    /// Resumes a hash from `state` (at least [`Shash::statesize`] bytes).
    pub(crate) fn import(&mut self, state: &[u8]) -> Result {
        if state.len() < self.statesize {
            return Err(EINVAL);
        }
        self.usable()?;
        // SAFETY: as in `init`; `state` holds `statesize` bytes.
        to_result(unsafe { bindings::crypto_shash_import(self.desc_ptr(), state.as_ptr().cast()) })
    }

    /// Saves the hash's state to `state` (at least [`Shash::statesize`] bytes).
    pub(crate) fn export(&mut self, state: &mut [u8]) -> Result {
        if state.len() < self.statesize {
            return Err(EINVAL);
        }
        self.usable()?;
        // SAFETY: as in `init`; `state` has room for `statesize` bytes.
        to_result(unsafe {
            bindings::crypto_shash_export(self.desc_ptr(), state.as_mut_ptr().cast())
        })
    }

    /// Hashes `data`.
    pub(crate) fn update(&mut self, data: &[u8]) -> Result {
        self.usable()?;
        // SAFETY: as in `init`; `data` is valid for its length.
        to_result(unsafe {
            bindings::crypto_shash_update(self.desc_ptr(), data.as_ptr(), data.len() as u32)
        })
    }

    /// Finishes the hash into `out` (at least the digest size: 16 bytes for `ghash`).
    pub(crate) fn finish(&mut self, out: &mut [u8; 16]) -> Result {
        // SAFETY: the transform is live.
        if unsafe { bindings::tlsnic_crypto_shash_digestsize(self.tfm.as_ptr()) } as usize > 16 {
            return Err(EINVAL);
        }
        self.usable()?;
        // SAFETY: as in `init`; `out` has room for the digest (checked above).
        to_result(unsafe { bindings::crypto_shash_final(self.desc_ptr(), out.as_mut_ptr()) })
    }

    /// Keys the transform with `key` (another flow's, or zeroes to wipe it) and zeroes the
    /// descriptor's state. On error the transform has no usable key. Process context (a keyed
    /// hash may allocate, as `ghash-generic` does for its tables).
    pub(crate) fn set_key(&mut self, key: &[u8]) -> Result {
        self.wipe();
        // SAFETY: the transform is live and ours (`&mut self`); `key` is valid for its length.
        to_result(unsafe {
            bindings::crypto_shash_setkey(self.tfm.as_ptr(), key.as_ptr(), key.len() as u32)
        })
    }

    /// Zeroes the descriptor's state (the key-dependent running hash).
    pub(crate) fn wipe(&mut self) {
        let tfm = self.tfm.as_ptr();
        let len = self.desc.len() * 8;
        // SAFETY: the descriptor is ours, `len` bytes long; its `tfm` field is restored below.
        unsafe {
            bindings::tlsnic_memzero_explicit(self.desc.as_mut_ptr().cast(), len);
            (*self.desc_ptr()).tfm = tfm;
        }
    }
}

impl Drop for Shash {
    fn drop(&mut self) {
        self.wipe();
        // SAFETY: allocated in `new`, freed once; the transform's key is freed with it.
        unsafe { bindings::tlsnic_crypto_free_shash(self.tfm.as_ptr()) };
    }
}
