// SPDX-License-Identifier: GPL-2.0

//! Constant-time GHASH (NIST SP 800-38D, section 6.4).
//!
//! Field elements of GF(2^128) are kept in GCM's bit order: a 16-byte block read as a big-endian
//! `u128` has the coefficient of `x^i` at bit `127 - i`. Multiplying two such values as integers
//! without carries gives the product's coefficients reversed as well, one bit off (the product has
//! degree at most 254), so no bit reversal is needed: shift left by one and reduce.
//!
//! Carry-less products are computed with ordinary integer multiplications on operands that are
//! sparse enough for carries never to reach a bit that is kept (see [`clmul64`]), so there is no
//! table indexed by the secret `H` and no branch on data.

use super::zeroize;

/// The hash key `H = E(K, 0^128)`, split into the 64-bit halves used by [`mul`].
pub(crate) struct Key {
    /// High half, low half, and their XOR (Karatsuba's middle operand).
    h: [u64; 3],
}

impl Key {
    /// Prepares the hash key from `H`.
    pub(crate) fn new(h: &[u8; 16]) -> Self {
        let h = u128::from_be_bytes(*h);
        let (hi, lo) = split(h);
        Self {
            h: [hi, lo, hi ^ lo],
        }
    }

    /// Zeroes `H`; see [`zeroize`]. Done on drop.
    fn wipe(&mut self) {
        zeroize(&mut self.h);
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// A running GHASH computation over a sequence of byte strings.
///
/// Input is absorbed in 16-byte blocks; a partial block is buffered until more input completes it
/// or [`Ghash::pad`] fills it with zeroes.
pub(crate) struct Ghash {
    /// Accumulator `Y`.
    y: u128,
    /// Pending partial block; only its first `buffered` bytes are meaningful.
    buf: [u8; 16],
    buffered: usize,
}

impl Ghash {
    /// Starts a computation with `Y = 0`.
    pub(crate) const fn new() -> Self {
        Self {
            y: 0,
            buf: [0; 16],
            buffered: 0,
        }
    }

    /// Absorbs `data`.
    pub(crate) fn update(&mut self, key: &Key, mut data: &[u8]) {
        if self.buffered > 0 {
            let n = data.len().min(16 - self.buffered);
            let (head, rest) = data.split_at(n);
            self.buf[self.buffered..self.buffered + n].copy_from_slice(head);
            self.buffered += n;
            data = rest;
            if self.buffered < 16 {
                return;
            }
            self.absorb(key, u128::from_be_bytes(self.buf));
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(16);
        for block in &mut blocks {
            let mut b = [0u8; 16];
            b.copy_from_slice(block);
            self.absorb(key, u128::from_be_bytes(b));
        }
        let tail = blocks.remainder();
        self.buf[..tail.len()].copy_from_slice(tail);
        self.buffered = tail.len();
    }

    /// Completes a buffered partial block with zeroes and absorbs it.
    pub(crate) fn pad(&mut self, key: &Key) {
        if self.buffered > 0 {
            self.buf[self.buffered..].fill(0);
            self.absorb(key, u128::from_be_bytes(self.buf));
            self.buffered = 0;
        }
    }

    /// Pads, absorbs the length block (`len(A) || len(C)`, both in bits) and returns the hash.
    ///
    /// Both lengths are in bytes; the caller keeps them within GCM's limits, so the conversion to
    /// bits does not overflow.
    pub(crate) fn finish(mut self, key: &Key, aad_len: u64, text_len: u64) -> u128 {
        self.pad(key);
        let lengths = super::layout::lengths_block(aad_len, text_len);
        self.absorb(key, u128::from_be_bytes(lengths));
        self.y
    }

    fn absorb(&mut self, key: &Key, block: u128) {
        self.y = mul(self.y ^ block, key);
    }
}

impl Drop for Ghash {
    /// Zeroes the accumulator and the buffered input; see [`zeroize`].
    fn drop(&mut self) {
        zeroize(core::slice::from_mut(&mut self.y));
        zeroize(&mut self.buf);
    }
}

/// Splits `x` into its high and low 64-bit halves.
const fn split(x: u128) -> (u64, u64) {
    // Truncation intended for the low half.
    ((x >> 64) as u64, x as u64)
}

/// Bits `i` with `i % 5 == 0` in a 64-bit word.
const EVERY_FIFTH_64: u64 = 0x1084_2108_4210_8421;

/// Bits `i` with `i % 5 == 0` in a 128-bit word.
const EVERY_FIFTH_128: u128 = (EVERY_FIFTH_64 as u128) | ((EVERY_FIFTH_64 as u128) << 65);

/// Splits `v` into five parts, part `i` holding the bits at positions `i` modulo 5.
fn residue_classes(v: u64) -> [u128; 5] {
    core::array::from_fn(|i| u128::from(v & (EVERY_FIFTH_64 << i)))
}

/// Carry-less product of two 64-bit polynomials.
///
/// Each operand is split into its five residue classes of bit positions modulo 5. The integer
/// product of a part of `x` and a part of `y` (at most 13 bits each) adds at most 13 terms at any
/// bit position, all positions of one class; a count below 32 fills no more than the five bits up
/// to the next position of that class, so the carries only land in other classes. Masking the XOR
/// of the five products belonging to a class therefore leaves the carry-less result for it.
fn clmul64(x: u64, y: u64) -> u128 {
    let xs = residue_classes(x);
    let ys = residue_classes(y);
    let mut z = 0u128;
    for k in 0..5 {
        let mut acc = 0u128;
        for (i, xi) in xs.iter().enumerate() {
            acc ^= xi * ys[(k + 5 - i) % 5];
        }
        z |= acc & (EVERY_FIFTH_128 << k);
    }
    z
}

/// Multiplication in GF(2^128) modulo `x^128 + x^7 + x^2 + x + 1`, in GCM's bit order.
fn mul(a: u128, key: &Key) -> u128 {
    let (a_hi, a_lo) = split(a);
    let [h_hi, h_lo, h_mid] = key.h;

    // Karatsuba: the 255-bit carry-less product as `hi:lo`.
    let high = clmul64(a_hi, h_hi);
    let low = clmul64(a_lo, h_lo);
    let mid = clmul64(a_hi ^ a_lo, h_mid) ^ high ^ low;
    let hi = high ^ (mid >> 64);
    let lo = low ^ (mid << 64);

    // Realign so that bit `255 - i` is the coefficient of `x^i`.
    let hi = (hi << 1) | (lo >> 127);
    let lo = lo << 1;

    // `lo` holds the coefficients of x^128..x^255: fold them with x^128 = x^7 + x^2 + x + 1.
    // In this bit order multiplying by x^k is a right shift by k; the bits shifted out of the
    // word are terms of degree 128 and up again, folded once more (they no longer overflow).
    let over = (lo << 127) ^ (lo << 126) ^ (lo << 121);
    hi ^ lo ^ (lo >> 1) ^ (lo >> 2) ^ (lo >> 7) ^ over ^ (over >> 1) ^ (over >> 2) ^ (over >> 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_zeroes_the_hash_key() {
        let h: [u8; 16] = core::array::from_fn(|i| i as u8 + 1);
        let mut key = Key::new(&h);
        assert!(key.h.iter().all(|&w| w != 0));
        // What `Drop` does.
        key.wipe();
        assert_eq!(key.h, [0; 3]);
    }

    /// Bit-by-bit multiplication from SP 800-38D algorithm 1 (reference only).
    fn mul_reference(x: u128, y: u128) -> u128 {
        const R: u128 = 0xe1 << 120;
        let mut z = 0;
        let mut v = y;
        for i in 0..128 {
            if (x >> (127 - i)) & 1 == 1 {
                z ^= v;
            }
            v = if v & 1 == 1 { (v >> 1) ^ R } else { v >> 1 };
        }
        z
    }

    fn clmul_reference(x: u64, y: u64) -> u128 {
        (0..64)
            .filter(|i| (y >> i) & 1 == 1)
            .fold(0, |z, i| z ^ (u128::from(x) << i))
    }

    /// A small deterministic generator for test operands (xorshift64*).
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn clmul64_matches_reference() {
        let mut s = 0x1234_5678_9abc_def1;
        let edges = [
            (u64::MAX, u64::MAX),
            (0, u64::MAX),
            (1, 1),
            (1 << 63, 1 << 63),
        ];
        let random = (0..1000).map(|_| (next(&mut s), next(&mut s)));
        for (x, y) in edges.into_iter().chain(random) {
            assert_eq!(clmul64(x, y), clmul_reference(x, y), "{x:#x} * {y:#x}");
        }
    }

    #[test]
    fn mul_matches_reference() {
        let mut s = 0x0fed_cba9_8765_4321;
        let mut next128 = || (u128::from(next(&mut s)) << 64) | u128::from(next(&mut s));
        let edges = [(u128::MAX, u128::MAX), (1 << 127, 1 << 127), (1, 1), (0, 5)];
        let random = (0..1000).map(|_| (next128(), next128()));
        for (a, b) in edges.into_iter().chain(random) {
            let key = Key::new(&b.to_be_bytes());
            assert_eq!(mul(a, &key), mul_reference(a, b), "{a:#x} * {b:#x}");
        }
    }
}
