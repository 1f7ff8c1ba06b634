// SPDX-License-Identifier: GPL-2.0

//! GCM's block layout for 96-bit IVs (NIST SP 800-38D, 7.1 and 7.2), written once for every
//! engine: the soft engine here and the module's kernel-crypto receive engine, which runs the
//! kernel's `ctr(aes)` and `ghash` over these blocks.
//!
//! Counter block `i` is `IV || [i]_32`. Counter 1 (`J0`) encrypts to the mask of the tag; the
//! payload is encrypted from counter 2 on, so payload byte `n` is covered by counter
//! `2 + n / 16`. GHASH ends with the lengths block `[len(A)]_64 || [len(C)]_64`, in bits.

use super::NONCE_LEN;

/// The counter whose keystream block masks the tag (`J0`).
pub const TAG_MASK_COUNTER: u32 = 1;

/// The counter that covers payload byte `offset`. GCM's payload limit keeps `offset / 16` below
/// `2^32`; beyond it the counter wraps, as the 32-bit increment of the standard does.
pub const fn payload_counter(offset: u64) -> u32 {
    // Truncation intended: see above.
    ((offset / 16) as u32).wrapping_add(2)
}

/// Counter block `counter` of `nonce`: `nonce || [counter]_32`.
pub fn counter_block(nonce: &[u8; NONCE_LEN], counter: u32) -> [u8; 16] {
    let mut block = [0u8; 16];
    block[..NONCE_LEN].copy_from_slice(nonce);
    block[NONCE_LEN..].copy_from_slice(&counter.to_be_bytes());
    block
}

/// GHASH's last block for `aad_len` bytes of additional data and `text_len` bytes of
/// ciphertext: both lengths in bits, big-endian. The caller keeps them within GCM's limits.
pub fn lengths_block(aad_len: u64, text_len: u64) -> [u8; 16] {
    let mut block = [0u8; 16];
    block[..8].copy_from_slice(&aad_len.wrapping_mul(8).to_be_bytes());
    block[8..].copy_from_slice(&text_len.wrapping_mul(8).to_be_bytes());
    block
}

/// Zero bytes that pad `len` bytes to a whole block for GHASH.
pub const fn pad_len(len: u64) -> usize {
    // Truncation intended: the value is below 16.
    ((16 - len % 16) % 16) as usize
}

/// Whether the tag computed as `hash ^ mask` equals `tag`, in constant time: every byte's
/// difference is folded in before the result is looked at.
pub fn tag_matches(hash: &[u8; 16], mask: &[u8; 16], tag: &[u8; 16]) -> bool {
    let diff = hash
        .iter()
        .zip(mask)
        .zip(tag)
        .fold(0u8, |acc, ((h, m), t)| acc | (h ^ m ^ t));
    // Keep the compiler from turning the accumulation into an early-exit comparison.
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters() {
        assert_eq!(payload_counter(0), 2);
        assert_eq!(payload_counter(15), 2);
        assert_eq!(payload_counter(16), 3);
        assert_eq!(payload_counter(16 * 1000 + 7), 1002);
        // The 32-bit counter wraps (only past GCM's payload limit).
        assert_eq!(payload_counter((u64::from(u32::MAX) - 1) * 16), 0);
        let nonce = [0xa5u8; NONCE_LEN];
        let b = counter_block(&nonce, 0x0102_0304);
        assert_eq!(&b[..NONCE_LEN], &nonce);
        assert_eq!(&b[NONCE_LEN..], &[1, 2, 3, 4]);
        assert_eq!(counter_block(&nonce, TAG_MASK_COUNTER)[15], 1);
    }

    #[test]
    fn lengths_and_padding() {
        // TLS 1.2: 13 bytes of additional data, a 16 KiB record.
        let b = lengths_block(13, 16384);
        assert_eq!(u64::from_be_bytes(b[..8].try_into().unwrap()), 104);
        assert_eq!(u64::from_be_bytes(b[8..].try_into().unwrap()), 131072);
        assert_eq!(pad_len(0), 0);
        assert_eq!(pad_len(1), 15);
        assert_eq!(pad_len(16), 0);
        assert_eq!(pad_len(13), 3);
    }

    #[test]
    fn tag_comparison() {
        let hash = [0x3cu8; 16];
        let mask = [0x5au8; 16];
        let mut tag = [0x3c ^ 0x5a; 16];
        assert!(tag_matches(&hash, &mask, &tag));
        for i in 0..16 {
            for bit in 0..8 {
                tag[i] ^= 1 << bit;
                assert!(!tag_matches(&hash, &mask, &tag));
                tag[i] ^= 1 << bit;
            }
        }
    }
}
