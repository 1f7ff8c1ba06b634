// SPDX-License-Identifier: GPL-2.0

//! Constant-time bitsliced AES encryption (AES-128 and AES-256), four blocks per call.
//!
//! The four blocks of a batch are held in eight 64-bit words ("bit planes"): word `k` holds bit
//! `k` of each of the 64 state bytes. The state byte at row `r`, column `c` of block `b` sits at
//! bit position `16 * r + 4 * c + b` of every plane, so that
//!
//! - SubBytes is a Boolean circuit evaluated on the planes (the Boyar-Peralta depth-16 circuit for
//!   the S-box, 32 AND gates), with no table and no branch;
//! - ShiftRows rotates each 16-bit row group by a multiple of 4 bits;
//! - MixColumns rotates planes by whole rows (16 bits) and multiplies by `x` by renumbering the
//!   planes.
//!
//! The secret key is only ever used through the same circuit (the key schedule applies the
//! bitsliced S-box to one word at a time), so neither the data nor the key select a memory address
//! or a branch. Only the number of rounds, which follows from the (public) key length, does.

use super::zeroize;

/// Number of blocks encrypted by one call of [`Aes::encrypt4`].
pub(crate) const BATCH: usize = 4;

/// Round keys for at most 14 rounds (AES-256), plus the initial whitening key.
const MAX_ROUND_KEYS: usize = 15;

/// A block in bitsliced form: eight bit planes, see the module documentation.
type Planes = [u64; 8];

/// An expanded AES key, round keys in bitsliced form (each round key replicated for four blocks).
pub(crate) struct Aes {
    round_keys: [Planes; MAX_ROUND_KEYS],
    rounds: usize,
}

impl Aes {
    /// Expands a 16-byte (AES-128) or 32-byte (AES-256) key; `None` for any other length.
    pub(crate) fn new(key: &[u8]) -> Option<Self> {
        let (nk, rounds) = match key.len() {
            16 => (4, 10),
            32 => (8, 14),
            _ => return None,
        };
        // FIPS-197 key expansion on 32-bit words (byte 0 of a word in the low bits).
        let mut w = [0u32; 4 * MAX_ROUND_KEYS];
        for (word, bytes) in w.iter_mut().zip(key.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let mut rcon = 1u8;
        let total = 4 * (rounds + 1);
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                // RotWord moves byte 1 into byte 0: a right rotation with byte 0 in the low bits.
                t = sub_word(t.rotate_right(8)) ^ u32::from(rcon);
                rcon = xtime(rcon);
            } else if nk > 6 && i % nk == 4 {
                t = sub_word(t);
            }
            w[i] = w[i - nk] ^ t;
        }

        let mut round_keys = [[0u64; 8]; MAX_ROUND_KEYS];
        let mut block = [0u8; 16];
        for (planes, words) in round_keys.iter_mut().zip(w[..total].chunks_exact(4)) {
            for (bytes, word) in block.chunks_exact_mut(4).zip(words) {
                bytes.copy_from_slice(&word.to_le_bytes());
            }
            *planes = to_planes(&[block; BATCH]);
        }
        zeroize(&mut w);
        zeroize(&mut block);
        Some(Self { round_keys, rounds })
    }

    /// Encrypts four independent blocks in place (ECB on a batch; the modes are built on it).
    pub(crate) fn encrypt4(&self, blocks: &mut [[u8; 16]; BATCH]) {
        let mut q = to_planes(blocks);
        add_round_key(&mut q, &self.round_keys[0]);
        // `rounds` is 10 or 14, set by `new`: the slice and the index below are in bounds.
        for key in &self.round_keys[1..self.rounds] {
            sub_bytes(&mut q);
            shift_rows(&mut q);
            mix_columns(&mut q);
            add_round_key(&mut q, key);
        }
        sub_bytes(&mut q);
        shift_rows(&mut q);
        add_round_key(&mut q, &self.round_keys[self.rounds]);
        *blocks = from_planes(&q);
    }

    /// Zeroes the round keys; see [`zeroize`]. Done on drop.
    fn wipe(&mut self) {
        for planes in &mut self.round_keys {
            zeroize(planes);
        }
    }
}

impl Drop for Aes {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Multiplication by `x` in GF(2^8), for the round constants.
const fn xtime(b: u8) -> u8 {
    (b << 1) ^ ((b >> 7) * 0x1b)
}

/// Applies the S-box to each byte of `w`, in constant time.
fn sub_word(w: u32) -> u32 {
    // Byte `i` of `w` lands at bit `8 * i` of each plane (see `ortho`).
    let mut q = [0u64; 8];
    q[0] = u64::from(w);
    ortho(&mut q);
    sub_bytes(&mut q);
    ortho(&mut q);
    // Truncation intended: the S-box of the four input bytes is in the low 32 bits.
    q[0] as u32
}

/// Transposes between bytes and bit planes.
///
/// Seen as an 8 x 8 bit matrix per byte position `j` (word index `i`, bit `8 * j + k`), the three
/// swap stages exchange the word index with the bit index `k`: bit `k` of byte `j` of word `i`
/// moves to bit `8 * j + i` of word `k`. The transposition is its own inverse.
fn ortho(q: &mut Planes) {
    const STAGES: [(u64, u32); 3] = [
        (0x5555_5555_5555_5555, 1),
        (0x3333_3333_3333_3333, 2),
        (0x0f0f_0f0f_0f0f_0f0f, 4),
    ];
    for (mask, shift) in STAGES {
        let dist = shift as usize;
        for lo in (0..8).filter(|i| i & dist == 0) {
            let hi = lo + dist;
            // Exchange the bits of q[lo] at positions with the `shift` bit set with the bits of
            // q[hi] at positions with it clear.
            let t = ((q[lo] >> shift) ^ q[hi]) & mask;
            q[hi] ^= t;
            q[lo] ^= t << shift;
        }
    }
}

/// Spreads the four bytes of `x` to the even bytes of a 64-bit word.
const fn spread(x: u32) -> u64 {
    let x = x as u64;
    let x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    (x | (x << 8)) & 0x00ff_00ff_00ff_00ff
}

/// Inverse of [`spread`]: gathers the even bytes of `x`, ignoring the odd ones.
const fn gather(x: u64) -> u32 {
    let x = x & 0x00ff_00ff_00ff_00ff;
    let x = (x | (x >> 8)) & 0x0000_ffff_0000_ffff;
    // Truncation intended: the gathered bytes are in the low 32 bits.
    (x | (x >> 16)) as u32
}

/// Reads column `c` (bytes `4c..4c+4`) of a block.
fn column(block: &[u8; 16], c: usize) -> u32 {
    let b = &block[4 * c..4 * c + 4];
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Converts four blocks into bit planes.
///
/// Word `b` interleaves the rows of columns 0 and 2 of block `b`, word `4 + b` those of columns 1
/// and 3, so that after [`ortho`] byte `(r, c)` of block `b` is at bit `16 * r + 4 * c + b`.
fn to_planes(blocks: &[[u8; 16]; BATCH]) -> Planes {
    let mut q = [0u64; 8];
    for (b, block) in blocks.iter().enumerate() {
        q[b] = spread(column(block, 0)) | (spread(column(block, 2)) << 8);
        q[b + 4] = spread(column(block, 1)) | (spread(column(block, 3)) << 8);
    }
    ortho(&mut q);
    q
}

/// Converts bit planes back into four blocks (inverse of [`to_planes`]).
fn from_planes(q: &Planes) -> [[u8; 16]; BATCH] {
    let mut q = *q;
    ortho(&mut q);
    let mut blocks = [[0u8; 16]; BATCH];
    for (b, block) in blocks.iter_mut().enumerate() {
        let cols = [
            gather(q[b]),
            gather(q[b + 4]),
            gather(q[b] >> 8),
            gather(q[b + 4] >> 8),
        ];
        for (bytes, col) in block.chunks_exact_mut(4).zip(cols) {
            bytes.copy_from_slice(&col.to_le_bytes());
        }
    }
    blocks
}

/// AddRoundKey.
fn add_round_key(q: &mut Planes, key: &Planes) {
    for (x, k) in q.iter_mut().zip(key) {
        *x ^= k;
    }
}

/// ShiftRows: row `r` (bits `16r..16r+16`) rotates left by `r` columns, so the byte of column
/// `c + r` moves to column `c` (4 bits per column).
fn shift_rows(q: &mut Planes) {
    for x in q.iter_mut() {
        let v = *x;
        *x = (v & 0x0000_0000_0000_ffff)
            | ((v >> 4) & 0x0000_0000_0fff_0000)
            | ((v << 12) & 0x0000_0000_f000_0000)
            | ((v >> 8) & 0x0000_00ff_0000_0000)
            | ((v << 8) & 0x0000_ff00_0000_0000)
            | ((v >> 12) & 0x000f_0000_0000_0000)
            | ((v << 4) & 0xfff0_0000_0000_0000);
    }
}

/// MixColumns.
///
/// Each output byte is `2 a[r] + 3 a[r+1] + a[r+2] + a[r+3] = 2 t[r] + a[r+1] + t[r+2]` with
/// `t[r] = a[r] + a[r+1]`. Rotating a plane right by 16 bits brings row `r + 1` to row `r`, by 32
/// bits row `r + 2`. Doubling moves each plane up by one and folds plane 7 back into planes 0, 1,
/// 3 and 4 (`x^8 = x^4 + x^3 + x + 1`).
fn mix_columns(q: &mut Planes) {
    let a = *q;
    let n = a.map(|x| x.rotate_right(16));
    let t = [
        a[0] ^ n[0],
        a[1] ^ n[1],
        a[2] ^ n[2],
        a[3] ^ n[3],
        a[4] ^ n[4],
        a[5] ^ n[5],
        a[6] ^ n[6],
        a[7] ^ n[7],
    ];
    let t2 = t.map(|x| x.rotate_right(32));
    *q = [
        t[7] ^ n[0] ^ t2[0],
        t[0] ^ t[7] ^ n[1] ^ t2[1],
        t[1] ^ n[2] ^ t2[2],
        t[2] ^ t[7] ^ n[3] ^ t2[3],
        t[3] ^ t[7] ^ n[4] ^ t2[4],
        t[4] ^ n[5] ^ t2[5],
        t[5] ^ n[6] ^ t2[6],
        t[6] ^ n[7] ^ t2[7],
    ];
}

/// SubBytes on all 64 bytes of the planes.
///
/// This is the circuit of J. Boyar and R. Peralta, "A depth-16 circuit for the AES S-box" (2011):
/// a linear top layer, a shared non-linear middle computing the inversion in GF(2^8), and a
/// linear bottom layer that includes the affine map. Inputs `u0..u7` and outputs `s0..s7` are
/// numbered from the most significant bit, so `u0` is plane 7.
fn sub_bytes(q: &mut Planes) {
    let [u7, u6, u5, u4, u3, u2, u1, u0] = *q;

    // Top linear layer.
    let t1 = u0 ^ u3;
    let t2 = u0 ^ u5;
    let t3 = u0 ^ u6;
    let t4 = u3 ^ u5;
    let t5 = u4 ^ u6;
    let t6 = t1 ^ t5;
    let t7 = u1 ^ u2;
    let t8 = u7 ^ t6;
    let t9 = u7 ^ t7;
    let t10 = t6 ^ t7;
    let t11 = u1 ^ u5;
    let t12 = u2 ^ u5;
    let t13 = t3 ^ t4;
    let t14 = t6 ^ t11;
    let t15 = t5 ^ t11;
    let t16 = t5 ^ t12;
    let t17 = t9 ^ t16;
    let t18 = u3 ^ u7;
    let t19 = t7 ^ t18;
    let t20 = t1 ^ t19;
    let t21 = u6 ^ u7;
    let t22 = t7 ^ t21;
    let t23 = t2 ^ t22;
    let t24 = t2 ^ t10;
    let t25 = t20 ^ t17;
    let t26 = t3 ^ t16;
    let t27 = t1 ^ t12;

    // Non-linear middle layer.
    let m1 = t13 & t6;
    let m2 = t23 & t8;
    let m3 = t14 ^ m1;
    let m4 = t19 & u7;
    let m5 = m4 ^ m1;
    let m6 = t3 & t16;
    let m7 = t22 & t9;
    let m8 = t26 ^ m6;
    let m9 = t20 & t17;
    let m10 = m9 ^ m6;
    let m11 = t1 & t15;
    let m12 = t4 & t27;
    let m13 = m12 ^ m11;
    let m14 = t2 & t10;
    let m15 = m14 ^ m11;
    let m16 = m3 ^ m2;
    let m17 = m5 ^ t24;
    let m18 = m8 ^ m7;
    let m19 = m10 ^ m15;
    let m20 = m16 ^ m13;
    let m21 = m17 ^ m15;
    let m22 = m18 ^ m13;
    let m23 = m19 ^ t25;
    let m24 = m22 ^ m23;
    let m25 = m22 & m20;
    let m26 = m21 ^ m25;
    let m27 = m20 ^ m21;
    let m28 = m23 ^ m25;
    let m29 = m28 & m27;
    let m30 = m26 & m24;
    let m31 = m20 & m23;
    let m32 = m27 & m31;
    let m33 = m27 ^ m25;
    let m34 = m21 & m22;
    let m35 = m24 & m34;
    let m36 = m24 ^ m25;
    let m37 = m21 ^ m29;
    let m38 = m32 ^ m33;
    let m39 = m23 ^ m30;
    let m40 = m35 ^ m36;
    let m41 = m38 ^ m40;
    let m42 = m37 ^ m39;
    let m43 = m37 ^ m38;
    let m44 = m39 ^ m40;
    let m45 = m42 ^ m41;
    let m46 = m44 & t6;
    let m47 = m40 & t8;
    let m48 = m39 & u7;
    let m49 = m43 & t16;
    let m50 = m38 & t9;
    let m51 = m37 & t17;
    let m52 = m42 & t15;
    let m53 = m45 & t27;
    let m54 = m41 & t10;
    let m55 = m44 & t13;
    let m56 = m40 & t23;
    let m57 = m39 & t19;
    let m58 = m43 & t3;
    let m59 = m38 & t22;
    let m60 = m37 & t20;
    let m61 = m42 & t1;
    let m62 = m45 & t4;
    let m63 = m41 & t2;

    // Bottom linear layer.
    let l0 = m61 ^ m62;
    let l1 = m50 ^ m56;
    let l2 = m46 ^ m48;
    let l3 = m47 ^ m55;
    let l4 = m54 ^ m58;
    let l5 = m49 ^ m61;
    let l6 = m62 ^ l5;
    let l7 = m46 ^ l3;
    let l8 = m51 ^ m59;
    let l9 = m52 ^ m53;
    let l10 = m53 ^ l4;
    let l11 = m60 ^ l2;
    let l12 = m48 ^ m51;
    let l13 = m50 ^ l0;
    let l14 = m52 ^ m61;
    let l15 = m55 ^ l1;
    let l16 = m56 ^ l0;
    let l17 = m57 ^ l1;
    let l18 = m58 ^ l8;
    let l19 = m63 ^ l4;
    let l20 = l0 ^ l1;
    let l21 = l1 ^ l7;
    let l22 = l3 ^ l12;
    let l23 = l18 ^ l2;
    let l24 = l15 ^ l9;
    let l25 = l6 ^ l10;
    let l26 = l7 ^ l9;
    let l27 = l8 ^ l10;
    let l28 = l11 ^ l14;
    let l29 = l11 ^ l17;

    let s0 = l6 ^ l24;
    let s1 = !(l16 ^ l26);
    let s2 = !(l19 ^ l28);
    let s3 = l6 ^ l21;
    let s4 = l20 ^ l22;
    let s5 = l25 ^ l29;
    let s6 = !(l13 ^ l27);
    let s7 = !(l6 ^ l23);

    *q = [s7, s6, s5, s4, s3, s2, s1, s0];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_zeroes_every_round_key() {
        for len in [16, 32] {
            let mut aes = Aes::new(&[0x5a; 32][..len]).unwrap();
            assert!(aes.round_keys[..=aes.rounds]
                .iter()
                .all(|k| k.iter().any(|&w| w != 0)));
            // What `Drop` does.
            aes.wipe();
            assert!(aes.round_keys.iter().flatten().all(|&w| w == 0));
        }
    }

    /// Multiplication in GF(2^8) by shift-and-add (reference only).
    fn gf_mul(mut a: u8, mut b: u8) -> u8 {
        let mut p = 0;
        while b != 0 {
            if b & 1 != 0 {
                p ^= a;
            }
            a = xtime(a);
            b >>= 1;
        }
        p
    }

    /// The S-box from its definition: inversion in GF(2^8) followed by the affine map.
    fn sbox_reference(x: u8) -> u8 {
        let inv = (1..=255u8).find(|&y| gf_mul(x, y) == 1).unwrap_or(0);
        inv ^ inv.rotate_left(1)
            ^ inv.rotate_left(2)
            ^ inv.rotate_left(3)
            ^ inv.rotate_left(4)
            ^ 0x63
    }

    #[test]
    fn sbox_matches_definition() {
        for x in 0..=255u8 {
            let w = u32::from_le_bytes([x, x ^ 0x55, x.wrapping_add(1), !x]);
            let expected = u32::from_le_bytes([
                sbox_reference(x),
                sbox_reference(x ^ 0x55),
                sbox_reference(x.wrapping_add(1)),
                sbox_reference(!x),
            ]);
            assert_eq!(sub_word(w), expected, "input {x:#04x}");
        }
    }

    #[test]
    fn planes_round_trip() {
        let mut blocks = [[0u8; 16]; BATCH];
        for (i, byte) in blocks.iter_mut().flatten().enumerate() {
            *byte = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        assert_eq!(from_planes(&to_planes(&blocks)), blocks);
    }

    fn hex<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
            *o = u8::from_str_radix(core::str::from_utf8(pair).unwrap(), 16).unwrap();
        }
        out
    }

    /// FIPS-197 appendix C, with the test block in every lane of a batch whose other lanes hold
    /// unrelated data (a batch with only one meaningful block, as for H and E(J0)).
    fn check_fips197(key: &[u8], expected: [u8; 16]) {
        let aes = Aes::new(key).unwrap();
        let plaintext: [u8; 16] = hex("00112233445566778899aabbccddeeff");
        for lane in 0..BATCH {
            let mut blocks = [[0xa5u8; 16]; BATCH];
            blocks[lane] = plaintext;
            aes.encrypt4(&mut blocks);
            assert_eq!(blocks[lane], expected, "lane {lane}");
        }
    }

    #[test]
    fn fips197_aes128() {
        let key: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f");
        check_fips197(&key, hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
    }

    #[test]
    fn fips197_aes256() {
        let key: [u8; 32] = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        check_fips197(&key, hex("8ea2b7ca516745bfeafc49904b496089"));
    }

    #[test]
    fn rejects_other_key_lengths() {
        for len in [0, 15, 17, 24, 31, 33] {
            assert!(Aes::new(&[0u8; 33][..len]).is_none());
        }
    }
}
