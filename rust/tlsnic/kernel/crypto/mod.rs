// SPDX-License-Identifier: GPL-2.0

//! The kernel crypto API: AEAD transforms with one request that may complete asynchronously
//! ([`aead`]), synchronous symmetric ciphers ([`skcipher`]) and synchronous hashes with
//! exportable state ([`shash`]).
//!
//! C headers: [`include/crypto/aead.h`](srctree/include/crypto/aead.h),
//! [`include/crypto/skcipher.h`](srctree/include/crypto/skcipher.h),
//! [`include/crypto/hash.h`](srctree/include/crypto/hash.h).

pub(crate) mod aead;
pub(crate) mod shash;
pub(crate) mod skcipher;

use crate::base::bindings;

/// Whether SIMD may be used here now (`crypto_simd_usable`). The kernel's internal SIMD
/// implementations (`CRYPTO_ALG_INTERNAL`, such as x86's `__ctr(aes)` and `__ghash`) may run only
/// where it is: their public wrappers hand the request to `cryptd` otherwise.
pub(crate) fn simd_usable() -> bool {
    // SAFETY: no preconditions; callable in any context.
    unsafe { bindings::tlsnic_crypto_simd_usable() }
}

/// Zeroes `buf` in a way the compiler may not elide (`memzero_explicit`).
pub(crate) fn wipe(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of its length.
    unsafe { bindings::tlsnic_memzero_explicit(buf.as_mut_ptr().cast(), buf.len()) }
}
