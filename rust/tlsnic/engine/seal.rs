// SPDX-License-Identifier: GPL-2.0

//! The transmit engine: [`RecordSealer`], a TLS record sealer ([`Sealer`]) on the kernel crypto
//! API or on the soft engine, owning the record block the sealed record is served from.
//!
//! The kernel sealer encrypts a record from the pages that hold it (the socket's retransmit
//! queue, never written) straight into its block, with the tag; an asynchronous implementation
//! finishes later (see [`AeadEncryptor`]). The soft sealer copies the plaintext into its block
//! and seals it there; it is always synchronous. Either way a block still referenced by skbs is
//! never written again: the next record gets a fresh one, and only headers, ciphertext and tags
//! are left in blocks.
//!
//! A kernel sealer's transform is a key context of the device's [`super::KeyTable`]: taken from
//! it and rekeyed when a flow starts, given back (wiped) when the flow ends.

#![forbid(unsafe_code)]

use super::SOFT_DRIVER;
use crate::base::crypto::aead::{AeadEncryptor, AeadError};
use crate::base::page::{PageBlock, PageRefs};
use crate::base::workqueue::Kick;
use crate::tlsnic_core::{
    gcm::Gcm,
    tls12::{AAD_LEN, MAX_RECORD, NONCE_LEN, OVERHEAD, PREPEND_LEN, TAG_LEN},
    tx::{SealError, Sealer},
};
use kernel::{prelude::*, str::CString};

// A record block holds the largest record.
const _: () = assert!(MAX_RECORD <= PageBlock::SIZE);

/// A flow's transmit engine and its record block.
// The soft engine's state is inline on purpose: the sealer lives in the flow's own allocation,
// and boxing it would add an allocation per flow and a pointer chase per record.
#[allow(clippy::large_enum_variant)]
pub(crate) enum RecordSealer {
    /// The kernel crypto API.
    Kernel(KernelSealer),
    /// The soft engine.
    Soft(SoftSealer),
    /// The flow ended and its key context went back to the device (see
    /// [`RecordSealer::retire`]): sealing fails, there is no block, nothing is in flight.
    Retired,
}

/// A transmit key context on the kernel crypto API: the transform (with its request and record
/// block) and the algorithm name it was allocated for.
pub(crate) struct KernelSealer {
    pub(super) alg: CString,
    pub(super) enc: AeadEncryptor,
}

/// The soft engine's sealer: a key and a record block.
pub(crate) struct SoftSealer {
    gcm: Gcm,
    block: Option<PageBlock>,
}

fn from_aead(e: AeadError) -> SealError {
    match e {
        AeadError::Busy => SealError::Busy,
        AeadError::Pending => SealError::Pending,
        AeadError::Failed => SealError::Failed,
        AeadError::NoMem => SealError::NoMem,
    }
}

impl RecordSealer {
    /// A sealer on the soft engine, keyed with `key` (16 or 32 bytes).
    pub(crate) fn soft(key: &[u8]) -> Result<Self> {
        Ok(Self::Soft(SoftSealer {
            gcm: Gcm::new(key).map_err(|_| EINVAL)?,
            block: Some(PageBlock::alloc().ok_or(ENOMEM)?),
        }))
    }

    /// A sealer on a new kernel transform `alg` (e.g. `gcm(aes)`), keyed with `key`. `kick` is
    /// kicked when an asynchronous request completes. Process context only.
    pub(crate) fn kernel(alg: CString, key: &[u8], kick: Option<Kick>) -> Result<Self> {
        let enc = AeadEncryptor::new(&alg, key, TAG_LEN as u32, kick)?;
        Ok(Self::Kernel(KernelSealer { alg, enc }))
    }

    /// Takes the kernel key context out of the sealer, which is [`RecordSealer::Retired`]
    /// afterwards; `None` for the soft engine (whose key zeroes itself when dropped).
    pub(crate) fn retire(&mut self) -> Option<KernelSealer> {
        match core::mem::replace(self, Self::Retired) {
            Self::Kernel(k) => Some(k),
            other => {
                *self = other;
                None
            }
        }
    }

    /// The implementation: the one the kernel resolved (e.g. `generic-gcm-aesni`), or the soft
    /// engine's.
    pub(crate) fn driver_name(&self) -> &str {
        match self {
            Self::Kernel(k) => k.enc.driver_name().to_str().unwrap_or("?"),
            Self::Soft(_) => SOFT_DRIVER,
            Self::Retired => "retired",
        }
    }

    /// The sealed record's block, to attach to skbs. Fails while a request is in flight.
    pub(crate) fn block(&self) -> Result<&PageBlock, SealError> {
        match self {
            Self::Kernel(k) => k.enc.block().map_err(from_aead),
            Self::Soft(s) => s.block.as_ref().ok_or(SealError::NoMem),
            Self::Retired => Err(SealError::Failed),
        }
    }

    /// The sealed record's bytes. Fails while a request is in flight.
    pub(crate) fn record(&self) -> Result<&[u8], SealError> {
        self.block().map(PageBlock::bytes)
    }
}

impl Sealer for RecordSealer {
    type Source = PageRefs;

    fn seal(
        &mut self,
        src: PageRefs,
        prepend: &[u8; PREPEND_LEN],
        aad: &[u8; AAD_LEN],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(), SealError> {
        let len = src.len() as usize;
        if !(OVERHEAD..=MAX_RECORD).contains(&len) {
            return Err(SealError::Failed);
        }
        let pt_len = len - OVERHEAD;
        match self {
            Self::Kernel(KernelSealer { enc: e, .. }) => {
                e.block_mut().map_err(from_aead)?[..PREPEND_LEN].copy_from_slice(prepend);
                e.encrypt(
                    src,
                    PREPEND_LEN as u32,
                    pt_len as u32,
                    aad,
                    nonce,
                    PREPEND_LEN as u32,
                )
                .map_err(from_aead)
            }
            Self::Soft(s) => s.seal(&src, prepend, aad, nonce, pt_len),
            Self::Retired => Err(SealError::Failed),
        }
    }

    fn busy(&self) -> bool {
        match self {
            Self::Kernel(k) => k.enc.busy(),
            Self::Soft(_) | Self::Retired => false,
        }
    }

    fn take_async_result(&mut self) -> Option<Result<(), SealError>> {
        match self {
            Self::Kernel(k) => k.enc.take_async_result().map(|r| r.map_err(from_aead)),
            Self::Soft(_) | Self::Retired => None,
        }
    }
}

impl SoftSealer {
    /// Copies the record's plaintext into a private block after `prepend` and seals it there.
    fn seal(
        &mut self,
        src: &PageRefs,
        prepend: &[u8; PREPEND_LEN],
        aad: &[u8; AAD_LEN],
        nonce: &[u8; NONCE_LEN],
        pt_len: usize,
    ) -> Result<(), SealError> {
        // A block that skbs still reference keeps its record; seal into a fresh one.
        if self.block.as_ref().map_or(true, PageBlock::is_shared) {
            self.block = Some(PageBlock::alloc().ok_or(SealError::NoMem)?);
        }
        let block = self.block.as_mut().and_then(PageBlock::bytes_mut);
        let block = block.ok_or(SealError::NoMem)?;
        block[..PREPEND_LEN].copy_from_slice(prepend);
        let (body, rest) = block[PREPEND_LEN..].split_at_mut(pt_len);
        if !src.copy_at(PREPEND_LEN as u32, body) {
            return Err(SealError::Failed);
        }
        let mut tag = [0u8; TAG_LEN];
        if self.gcm.seal(nonce, aad, body, &mut tag).is_err() {
            // Never leave plaintext in a block.
            body.fill(0);
            return Err(SealError::Failed);
        }
        rest[..TAG_LEN].copy_from_slice(&tag);
        Ok(())
    }
}
