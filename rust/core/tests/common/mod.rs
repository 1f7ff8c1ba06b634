// SPDX-License-Identifier: GPL-2.0

//! Helpers shared by the integration tests.

// Each test crate uses a different subset.
#![allow(dead_code)]

/// SplitMix64: a small deterministic generator for test inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`; the slight bias does not matter here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.fill(&mut v);
        v
    }

    /// Random bytes, of a random length in `0..=max_len`.
    pub fn bytes_up_to(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        self.bytes(len)
    }

    pub fn nonce(&mut self) -> [u8; 12] {
        let mut n = [0; 12];
        self.fill(&mut n);
        n
    }

    /// A random AES-128 or AES-256 key.
    pub fn key(&mut self) -> Vec<u8> {
        let len = if self.next_u64() & 1 == 0 { 16 } else { 32 };
        self.bytes(len)
    }
}
