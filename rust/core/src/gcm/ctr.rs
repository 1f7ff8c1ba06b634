// SPDX-License-Identifier: GPL-2.0

//! GCM's counter-mode keystream for a 96-bit IV, from any byte offset of the payload.
//!
//! Counter block `i` is `IV || [i]_32`; payload byte `n` is covered by counter `2 + n / 16`
//! (counter 1 is `J0`, which masks the tag). Keystream is generated a batch of [`BATCH`] blocks at
//! a time; the unused rest of a batch is kept for the next call, so pieces of any length chain up.

use super::aes::{Aes, BATCH};
use super::zeroize;

/// Bytes of keystream produced by one AES batch.
const BATCH_BYTES: usize = 16 * BATCH;

/// Keystream position within one message.
pub(crate) struct Keystream {
    iv: [u8; 12],
    /// Counter of the first block of the next batch.
    next: u32,
    /// The current batch; bytes before `used` are spent.
    buf: [u8; BATCH_BYTES],
    used: usize,
}

impl Keystream {
    /// Positions the keystream at payload byte `offset`.
    ///
    /// The caller keeps `offset` within GCM's payload limit, below `2^36`, so the block number
    /// fits the 32-bit counter.
    pub(crate) fn new(aes: &Aes, iv: &[u8; 12], offset: u64) -> Self {
        let mut ks = Self {
            iv: *iv,
            next: super::layout::payload_counter(offset),
            buf: [0; BATCH_BYTES],
            used: BATCH_BYTES,
        };
        // Truncation intended: the remainder is below 16.
        let skip = (offset % 16) as usize;
        if skip != 0 {
            ks.buf = ks.batch(aes);
            ks.used = skip;
        }
        ks
    }

    /// XORs the next `data.len()` bytes of keystream into `data`.
    pub(crate) fn apply(&mut self, aes: &Aes, mut data: &mut [u8]) {
        if self.used < BATCH_BYTES {
            let n = data.len().min(BATCH_BYTES - self.used);
            let (head, rest) = data.split_at_mut(n);
            xor(head, &self.buf[self.used..self.used + n]);
            self.used += n;
            data = rest;
        }
        let mut chunks = data.chunks_exact_mut(BATCH_BYTES);
        for chunk in &mut chunks {
            xor(chunk, &self.batch(aes));
        }
        let tail = chunks.into_remainder();
        if !tail.is_empty() {
            self.buf = self.batch(aes);
            xor(tail, &self.buf);
            self.used = tail.len();
        }
    }

    /// Encrypts the next [`BATCH`] counter blocks.
    fn batch(&mut self, aes: &Aes) -> [u8; BATCH_BYTES] {
        let mut blocks = [[0u8; 16]; BATCH];
        let mut counter = self.next;
        for block in &mut blocks {
            *block = super::layout::counter_block(&self.iv, counter);
            counter = counter.wrapping_add(1);
        }
        self.next = counter;
        aes.encrypt4(&mut blocks);
        let mut out = [0u8; BATCH_BYTES];
        for (dst, src) in out.chunks_exact_mut(16).zip(&blocks) {
            dst.copy_from_slice(src);
        }
        out
    }
}

impl Drop for Keystream {
    /// Zeroes the unused keystream; see [`zeroize`].
    fn drop(&mut self) {
        zeroize(&mut self.buf);
    }
}

/// XORs `key` into `data`, up to the shorter of the two.
fn xor(data: &mut [u8], key: &[u8]) {
    for (d, k) in data.iter_mut().zip(key) {
        *d ^= k;
    }
}
