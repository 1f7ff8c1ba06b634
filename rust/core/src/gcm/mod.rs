// SPDX-License-Identifier: GPL-2.0

//! AES-GCM in constant-time software: the "soft" engine, a model of the NIC's crypto block.
//!
//! Implements GCM (NIST SP 800-38D) with AES-128 or AES-256 and 96-bit IVs only, the case used by
//! TLS: `J0 = IV || 0^31 || 1` masks the tag and the payload is encrypted from counter 2 on.
//!
//! Three ways in:
//!
//! - [`Gcm::seal`] and [`Gcm::open`] handle a whole record in place;
//! - [`Gcm::start`] returns a [`GcmStream`] that takes the payload in spans of any length, split
//!   anywhere (also inside a 16-byte block), as a NIC sees a record spread over several segments;
//! - [`Gcm::ctr_xor_at`] applies the keystream from any byte offset of the payload, without the
//!   tag, as a NIC needs when it re-encrypts a retransmitted segment that starts in the middle of
//!   a record (the tag then comes from a pass over the whole record).
//!
//! Nothing here looks up a table or branches on secret data: AES is bitsliced (see `aes.rs`) and
//! GHASH multiplies with integer multiplications on masked operands (see `ghash.rs`). No floating
//! point or vector unit is used, so the code runs in kernel context. Key material is zeroed when
//! a [`Gcm`] is dropped, keystream and hash state when a [`GcmStream`] is.

mod aes;
mod ctr;
mod ghash;
pub mod layout;

use aes::{Aes, BATCH};
use ctr::Keystream;
use ghash::Ghash;

/// Length of an AES-128 key in bytes.
pub const KEY_LEN_128: usize = 16;

/// Length of an AES-256 key in bytes.
pub const KEY_LEN_256: usize = 32;

/// Length of the IV (nonce) in bytes.
pub const NONCE_LEN: usize = 12;

/// Length of the authentication tag in bytes.
pub const TAG_LEN: usize = 16;

/// Largest payload of one message in bytes (`2^39 - 256` bits), where the 32-bit counter would
/// wrap around to `J0`.
pub const MAX_PAYLOAD: u64 = (1 << 36) - 32;

/// Largest additional authenticated data of one message in bytes (`2^64 - 1` bits, rounded down
/// to whole bytes).
pub const MAX_AAD: u64 = (1 << 61) - 1;

/// Why an operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GcmError {
    /// The key is neither [`KEY_LEN_128`] nor [`KEY_LEN_256`] bytes long.
    InvalidKeyLength,
    /// The payload would pass [`MAX_PAYLOAD`] or the AAD [`MAX_AAD`].
    TooLong,
    /// The tag does not match: the message or its AAD was altered, or the key or IV is wrong.
    Authentication,
}

/// An AES-GCM key: the expanded AES key and the GHASH key `H`.
///
/// Dropping it zeroes both: each part zeroes itself in its `Drop` with a plain loop of stores
/// followed by a compiler fence (`write_volatile` would need `unsafe`), which is best effort, see
/// `zeroize` in this module.
pub struct Gcm {
    aes: Aes,
    ghash_key: ghash::Key,
}

impl Gcm {
    /// Expands `key`, which must be [`KEY_LEN_128`] or [`KEY_LEN_256`] bytes long.
    pub fn new(key: &[u8]) -> Result<Self, GcmError> {
        let aes = Aes::new(key).ok_or(GcmError::InvalidKeyLength)?;
        let mut blocks = [[0u8; 16]; BATCH];
        aes.encrypt4(&mut blocks);
        let ghash_key = ghash::Key::new(&blocks[0]);
        zeroize(&mut blocks);
        Ok(Self { aes, ghash_key })
    }

    /// Encrypts `in_out` in place and writes the tag, which covers `aad` and the ciphertext, to
    /// `tag`.
    ///
    /// Fails only if `in_out` or `aad` is too long, leaving `in_out` and `tag` unchanged.
    pub fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; TAG_LEN],
    ) -> Result<(), GcmError> {
        let mut stream = self.start(nonce, aad)?;
        stream.encrypt_span(in_out)?;
        *tag = stream.finish();
        Ok(())
    }

    /// Checks `tag` against `aad` and the ciphertext `in_out`, then decrypts `in_out` in place.
    ///
    /// The tag is checked in constant time before anything is decrypted: on
    /// [`GcmError::Authentication`] (or [`GcmError::TooLong`]) `in_out` still holds the
    /// ciphertext.
    pub fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), GcmError> {
        let mut stream = self.start(nonce, aad)?;
        stream.authenticate(in_out)?;
        stream.verify(tag)?;
        self.ctr_xor_at(nonce, 0, in_out)
    }

    /// Starts a message whose payload is then passed in spans to a [`GcmStream`].
    ///
    /// Fails if `aad` is longer than [`MAX_AAD`].
    pub fn start(&self, nonce: &[u8; NONCE_LEN], aad: &[u8]) -> Result<GcmStream<'_>, GcmError> {
        Ok(GcmStream {
            gcm: self,
            state: self.begin(nonce, aad)?,
        })
    }

    /// Starts a message like [`Gcm::start`], but returns its state without a borrow of the key,
    /// for a message that outlives a borrow (a record spread over packets, kept in a flow next
    /// to its key). Every later call on the state must pass this same `Gcm`.
    ///
    /// Fails if `aad` is longer than [`MAX_AAD`].
    pub fn begin(&self, nonce: &[u8; NONCE_LEN], aad: &[u8]) -> Result<GcmState, GcmError> {
        let aad_len = aad.len() as u64;
        if aad_len > MAX_AAD {
            return Err(GcmError::TooLong);
        }
        Ok(self.state(nonce, aad))
    }

    /// [`Gcm::begin`] for the 13 bytes of additional data of a TLS 1.2 record, which cannot be
    /// too long.
    pub fn begin_record(&self, nonce: &[u8; NONCE_LEN], aad: &[u8; 13]) -> GcmState {
        self.state(nonce, aad)
    }

    /// A fresh message state; the caller checked `aad` against [`MAX_AAD`].
    fn state(&self, nonce: &[u8; NONCE_LEN], aad: &[u8]) -> GcmState {
        let mut ghash = Ghash::new();
        ghash.update(&self.ghash_key, aad);
        ghash.pad(&self.ghash_key);
        GcmState {
            nonce: *nonce,
            keystream: Keystream::new(&self.aes, nonce, 0),
            ghash,
            aad_len: aad.len() as u64,
            len: 0,
        }
    }

    /// XORs the keystream of the message with IV `nonce`, from payload byte `offset` on, into
    /// `data`.
    ///
    /// With plaintext in `data` this gives the ciphertext at `offset..offset + data.len()` of the
    /// sealed payload, and the other way round; no tag is computed or checked. Fails if the range
    /// ends past [`MAX_PAYLOAD`], leaving `data` unchanged.
    pub fn ctr_xor_at(
        &self,
        nonce: &[u8; NONCE_LEN],
        offset: u64,
        data: &mut [u8],
    ) -> Result<(), GcmError> {
        match offset.checked_add(data.len() as u64) {
            Some(end) if end <= MAX_PAYLOAD => {
                Keystream::new(&self.aes, nonce, offset).apply(&self.aes, data);
                Ok(())
            }
            _ => Err(GcmError::TooLong),
        }
    }

    /// `E(K, J0)`, which masks the tag.
    fn tag_mask(&self, nonce: &[u8; NONCE_LEN]) -> u128 {
        let mut blocks = [[0u8; 16]; BATCH];
        blocks[0] = layout::counter_block(nonce, layout::TAG_MASK_COUNTER);
        self.aes.encrypt4(&mut blocks);
        let mask = u128::from_be_bytes(blocks[0]);
        zeroize(&mut blocks);
        mask
    }
}

/// One message in progress: payload spans go in, the tag comes out.
///
/// Spans may have any length, including zero, and need not be aligned to blocks; the result
/// depends only on the concatenated payload. Use either [`GcmStream::encrypt_span`] and
/// [`GcmStream::finish`] (sealing) or [`GcmStream::decrypt_span`] and [`GcmStream::verify`]
/// (opening) for one message.
///
/// Opening in spans hands out plaintext before the tag is checked: the caller must not act on it
/// unless [`GcmStream::verify`] succeeds. Use [`Gcm::open`] where the whole record is at hand.
pub struct GcmStream<'a> {
    gcm: &'a Gcm,
    state: GcmState,
}

impl GcmStream<'_> {
    /// Encrypts the next span of payload in place.
    ///
    /// Fails if the payload would pass [`MAX_PAYLOAD`], leaving `data` and the stream unchanged.
    pub fn encrypt_span(&mut self, data: &mut [u8]) -> Result<(), GcmError> {
        self.state.encrypt_span(self.gcm, data)
    }

    /// Decrypts the next span of payload in place; see the warning on [`GcmStream`].
    ///
    /// Fails if the payload would pass [`MAX_PAYLOAD`], leaving `data` and the stream unchanged.
    pub fn decrypt_span(&mut self, data: &mut [u8]) -> Result<(), GcmError> {
        self.state.decrypt_span(self.gcm, data)
    }

    /// Ends the message and returns its tag.
    pub fn finish(self) -> [u8; TAG_LEN] {
        self.state.finish(self.gcm)
    }

    /// Ends the message and compares its tag with `tag`, in constant time.
    pub fn verify(self, tag: &[u8; TAG_LEN]) -> Result<(), GcmError> {
        self.state.verify(self.gcm, tag)
    }

    /// Adds the ciphertext span `data` to the hash without decrypting it.
    fn authenticate(&mut self, data: &[u8]) -> Result<(), GcmError> {
        self.state.authenticate(self.gcm, data)
    }
}

/// The state of one message, as [`GcmStream`] but without a borrow of the key (see
/// [`Gcm::begin`]): each call takes the `Gcm` the message was begun with. The same warning
/// applies: plaintext from [`GcmState::decrypt_span`] is not authentic until
/// [`GcmState::verify`] succeeds.
pub struct GcmState {
    nonce: [u8; NONCE_LEN],
    keystream: Keystream,
    ghash: Ghash,
    aad_len: u64,
    /// Payload bytes passed so far.
    len: u64,
}

impl GcmState {
    /// Encrypts the next span of payload in place; as [`GcmStream::encrypt_span`].
    pub fn encrypt_span(&mut self, gcm: &Gcm, data: &mut [u8]) -> Result<(), GcmError> {
        self.advance(data.len())?;
        self.keystream.apply(&gcm.aes, data);
        self.ghash.update(&gcm.ghash_key, data);
        Ok(())
    }

    /// Decrypts the next span of payload in place; as [`GcmStream::decrypt_span`].
    pub fn decrypt_span(&mut self, gcm: &Gcm, data: &mut [u8]) -> Result<(), GcmError> {
        self.authenticate(gcm, data)?;
        self.keystream.apply(&gcm.aes, data);
        Ok(())
    }

    /// Ends the message and returns its tag.
    pub fn finish(self, gcm: &Gcm) -> [u8; TAG_LEN] {
        let Self {
            nonce,
            keystream,
            ghash,
            aad_len,
            len,
        } = self;
        drop(keystream);
        let hash = ghash.finish(&gcm.ghash_key, aad_len, len);
        (hash ^ gcm.tag_mask(&nonce)).to_be_bytes()
    }

    /// Ends the message and compares its tag with `tag`, in constant time.
    pub fn verify(self, gcm: &Gcm, tag: &[u8; TAG_LEN]) -> Result<(), GcmError> {
        let mut computed = self.finish(gcm);
        let ok = layout::tag_matches(&computed, &[0; TAG_LEN], tag);
        zeroize(&mut computed);
        if ok {
            Ok(())
        } else {
            Err(GcmError::Authentication)
        }
    }

    /// Adds the ciphertext span `data` to the hash without decrypting it (for checking a tag
    /// under other additional data while the same ciphertext is decrypted by another state).
    pub fn authenticate(&mut self, gcm: &Gcm, data: &[u8]) -> Result<(), GcmError> {
        self.advance(data.len())?;
        self.ghash.update(&gcm.ghash_key, data);
        Ok(())
    }

    /// Accounts for `n` more payload bytes, refusing to pass [`MAX_PAYLOAD`].
    fn advance(&mut self, n: usize) -> Result<(), GcmError> {
        match self.len.checked_add(n as u64) {
            Some(len) if len <= MAX_PAYLOAD => {
                self.len = len;
                Ok(())
            }
            _ => Err(GcmError::TooLong),
        }
    }
}

/// Overwrites `words` with zeroes, for secrets about to be released.
///
/// A plain loop (`write_volatile` would need `unsafe`) followed by a compiler fence, which keeps
/// the compiler from moving the stores past later memory accesses, and by `black_box`, which
/// makes the zeroed memory look read so the stores are not dropped as dead. This is best effort:
/// copies the compiler left in registers or elsewhere on the stack are not reached.
fn zeroize<T: Copy + Default>(words: &mut [T]) {
    for w in words.iter_mut() {
        *w = T::default();
    }
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    core::hint::black_box(words);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload limit, reached without passing 64 GiB through the stream.
    #[test]
    fn stream_stops_at_the_payload_limit() {
        let gcm = Gcm::new(&[3; KEY_LEN_128]).unwrap();
        let mut stream = gcm.start(&[4; NONCE_LEN], b"aad").unwrap();
        stream.state.len = MAX_PAYLOAD - 2;
        let mut data = [0x5a; 3];
        assert_eq!(stream.encrypt_span(&mut data), Err(GcmError::TooLong));
        assert_eq!(stream.decrypt_span(&mut data), Err(GcmError::TooLong));
        assert_eq!(data, [0x5a; 3]);
        assert_eq!(stream.state.len, MAX_PAYLOAD - 2);
        stream.encrypt_span(&mut data[..2]).unwrap();
        assert_eq!(stream.state.len, MAX_PAYLOAD);
        stream.encrypt_span(&mut []).unwrap();
        assert_eq!(stream.encrypt_span(&mut data[..1]), Err(GcmError::TooLong));
    }
}
