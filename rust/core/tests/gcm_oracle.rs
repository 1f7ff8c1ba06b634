// SPDX-License-Identifier: GPL-2.0

//! Tests of the soft AES-GCM engine against published vectors and against RustCrypto's `aes-gcm`.
//!
//! Random cases come from a fixed-seed generator, so every run checks the same inputs and a
//! failure names the case that broke.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::cipher::BlockEncrypt;
use aes_gcm::aes::{Aes128, Aes256};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use tlsnic_core::gcm::{Gcm, GcmError, MAX_PAYLOAD};

mod common;

use common::Rng;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Seals with RustCrypto: returns the ciphertext and the tag.
fn reference_seal(
    key: &[u8],
    nonce: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> (Vec<u8>, [u8; 16]) {
    let mut buf = plaintext.to_vec();
    let nonce = Nonce::from_slice(nonce);
    let tag = match key.len() {
        16 => Aes128Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(nonce, aad, &mut buf),
        32 => Aes256Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(nonce, aad, &mut buf),
        _ => panic!("bad key length"),
    }
    .unwrap();
    (buf, tag.into())
}

/// Seals with the soft engine in one shot.
fn seal(gcm: &Gcm, nonce: &[u8; 12], aad: &[u8], plaintext: &[u8]) -> (Vec<u8>, [u8; 16]) {
    let mut buf = plaintext.to_vec();
    let mut tag = [0; 16];
    gcm.seal(nonce, aad, &mut buf, &mut tag).unwrap();
    (buf, tag)
}

/// Splits `0..len` at up to `max_cuts` random points (repeats give empty spans).
fn random_spans(rng: &mut Rng, len: usize, max_cuts: usize) -> Vec<(usize, usize)> {
    let mut cuts: Vec<usize> = (0..rng.below(max_cuts + 1))
        .map(|_| rng.below(len + 1))
        .collect();
    cuts.push(0);
    cuts.push(len);
    cuts.sort_unstable();
    cuts.windows(2).map(|w| (w[0], w[1])).collect()
}

struct Vector {
    name: &'static str,
    key: &'static str,
    iv: &'static str,
    aad: &'static str,
    plaintext: &'static str,
    ciphertext: &'static str,
    tag: &'static str,
}

/// McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test cases with 96-bit IVs,
/// and the first AAD-only case of NIST's CAVP files (`gcmEncryptExtIV{128,256}.rsp`, PTlen=0,
/// AADlen=128).
const VECTORS: &[Vector] = &[
    Vector {
        name: "McGrew-Viega 1 (AES-128, empty)",
        key: "00000000000000000000000000000000",
        iv: "000000000000000000000000",
        aad: "",
        plaintext: "",
        ciphertext: "",
        tag: "58e2fccefa7e3061367f1d57a4e7455a",
    },
    Vector {
        name: "McGrew-Viega 2 (AES-128, one block)",
        key: "00000000000000000000000000000000",
        iv: "000000000000000000000000",
        aad: "",
        plaintext: "00000000000000000000000000000000",
        ciphertext: "0388dace60b6a392f328c2b971b2fe78",
        tag: "ab6e47d42cec13bdf53a67b21257bddf",
    },
    Vector {
        name: "McGrew-Viega 3 (AES-128, four blocks)",
        key: "feffe9928665731c6d6a8f9467308308",
        iv: "cafebabefacedbaddecaf888",
        aad: "",
        plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                     21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        tag: "4d5c2af327cd64a62cf35abd2ba6fab4",
    },
    Vector {
        name: "McGrew-Viega 4 (AES-128, AAD, 60 bytes)",
        key: "feffe9928665731c6d6a8f9467308308",
        iv: "cafebabefacedbaddecaf888",
        aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                     21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        tag: "5bc94fbc3221a5db94fae95ae7121a47",
    },
    Vector {
        name: "McGrew-Viega 13 (AES-256, empty)",
        key: "0000000000000000000000000000000000000000000000000000000000000000",
        iv: "000000000000000000000000",
        aad: "",
        plaintext: "",
        ciphertext: "",
        tag: "530f8afbc74536b9a963b4f1c4cb738b",
    },
    Vector {
        name: "McGrew-Viega 14 (AES-256, one block)",
        key: "0000000000000000000000000000000000000000000000000000000000000000",
        iv: "000000000000000000000000",
        aad: "",
        plaintext: "00000000000000000000000000000000",
        ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
        tag: "d0d1c8a799996bf0265b98b5d48ab919",
    },
    Vector {
        name: "McGrew-Viega 15 (AES-256, four blocks)",
        key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        iv: "cafebabefacedbaddecaf888",
        aad: "",
        plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                     8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        tag: "b094dac5d93471bdec1a502270e3cc6c",
    },
    Vector {
        name: "McGrew-Viega 16 (AES-256, AAD, 60 bytes)",
        key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        iv: "cafebabefacedbaddecaf888",
        aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
                     8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        tag: "76fc6ece0f4e1768cddf8853bb2d551b",
    },
    Vector {
        name: "CAVP gcmEncryptExtIV128 AAD only, count 0",
        key: "77be63708971c4e240d1cb79e8d77feb",
        iv: "e0e00f19fed7ba0136a797f3",
        aad: "7a43ec1d9c0a5a78a0b16533a6213cab",
        plaintext: "",
        ciphertext: "",
        tag: "209fcc8d3675ed938e9c7166709dd946",
    },
    Vector {
        name: "CAVP gcmEncryptExtIV256 AAD only, count 0",
        key: "78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223",
        iv: "d79cf22d504cc793c3fb6c8a",
        aad: "b96baa8c1c75a671bfb2d08d06be5f36",
        plaintext: "",
        ciphertext: "",
        tag: "3e5d486aa2e30b22e040b85723a06e76",
    },
];

#[test]
fn known_answer_vectors() {
    for v in VECTORS {
        let (key, aad) = (hex(v.key), hex(v.aad));
        let (plaintext, ciphertext) = (hex(v.plaintext), hex(v.ciphertext));
        let nonce: [u8; 12] = hex(v.iv).try_into().unwrap();
        let tag: [u8; 16] = hex(v.tag).try_into().unwrap();
        assert_eq!(
            reference_seal(&key, &nonce, &aad, &plaintext),
            (ciphertext.clone(), tag),
            "{}: vector transcribed wrong",
            v.name
        );

        let gcm = Gcm::new(&key).unwrap();
        assert_eq!(
            seal(&gcm, &nonce, &aad, &plaintext),
            (ciphertext.clone(), tag),
            "{}",
            v.name
        );
        let mut buf = ciphertext;
        gcm.open(&nonce, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, plaintext, "{}", v.name);
    }
}

#[test]
fn invalid_key_lengths() {
    for len in [0, 1, 15, 17, 24, 31, 33, 64] {
        assert_eq!(
            Gcm::new(&vec![0; len]).err(),
            Some(GcmError::InvalidKeyLength),
            "{len}"
        );
    }
}

#[test]
fn one_shot_matches_reference() {
    let mut rng = Rng(1);
    for case in 0..200 {
        let key = rng.key();
        let nonce = rng.nonce();
        let aad_len = rng.below(65);
        let aad = rng.bytes(aad_len);
        let len = rng.below(5001);
        let plaintext = rng.bytes(len);

        let gcm = Gcm::new(&key).unwrap();
        let (ciphertext, tag) = seal(&gcm, &nonce, &aad, &plaintext);
        assert_eq!(
            (ciphertext.clone(), tag),
            reference_seal(&key, &nonce, &aad, &plaintext),
            "case {case}: key {} bytes, aad {aad_len}, payload {len}",
            key.len()
        );
        let mut buf = ciphertext;
        gcm.open(&nonce, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, plaintext, "case {case}");
    }
}

/// Every payload length up to nine batches of blocks, so that the last AES batch holds one to
/// four meaningful blocks, ending anywhere inside a block.
#[test]
fn every_short_length_matches_reference() {
    let mut rng = Rng(2);
    for key_len in [16, 32] {
        let key = rng.bytes(key_len);
        let gcm = Gcm::new(&key).unwrap();
        for len in 0..=9 * 64 {
            let nonce = rng.nonce();
            let aad = rng.bytes(len % 37);
            let plaintext = rng.bytes(len);
            assert_eq!(
                seal(&gcm, &nonce, &aad, &plaintext),
                reference_seal(&key, &nonce, &aad, &plaintext),
                "key {key_len} bytes, payload {len}"
            );
        }
    }
}

#[test]
fn streaming_matches_one_shot() {
    let mut rng = Rng(3);
    for case in 0..200 {
        let key = rng.key();
        let nonce = rng.nonce();
        let aad = rng.bytes_up_to(64);
        let len = rng.below(5001);
        let plaintext = rng.bytes(len);
        let gcm = Gcm::new(&key).unwrap();
        let (ciphertext, tag) = seal(&gcm, &nonce, &aad, &plaintext);

        // Small payloads get many cuts, so spans inside one block occur.
        let max_cuts = if case % 2 == 0 { 8 } else { 40 };
        let spans = random_spans(&mut rng, len, max_cuts);

        let mut buf = plaintext.clone();
        let mut stream = gcm.start(&nonce, &aad).unwrap();
        for &(start, end) in &spans {
            stream.encrypt_span(&mut buf[start..end]).unwrap();
        }
        assert_eq!(stream.finish(), tag, "case {case}: spans {spans:?}");
        assert_eq!(buf, ciphertext, "case {case}: spans {spans:?}");

        let spans = random_spans(&mut rng, len, max_cuts);
        let mut stream = gcm.start(&nonce, &aad).unwrap();
        for &(start, end) in &spans {
            stream.decrypt_span(&mut buf[start..end]).unwrap();
        }
        stream.verify(&tag).unwrap();
        assert_eq!(buf, plaintext, "case {case}: spans {spans:?}");
    }
}

#[test]
fn streaming_byte_by_byte() {
    let mut rng = Rng(4);
    let key = rng.key();
    let gcm = Gcm::new(&key).unwrap();
    let nonce = rng.nonce();
    let aad = rng.bytes(21);
    let plaintext = rng.bytes(300);
    let (ciphertext, tag) = seal(&gcm, &nonce, &aad, &plaintext);

    let mut buf = plaintext.clone();
    let mut stream = gcm.start(&nonce, &aad).unwrap();
    for byte in buf.chunks_mut(1) {
        stream.encrypt_span(byte).unwrap();
        stream.encrypt_span(&mut []).unwrap();
    }
    assert_eq!((buf, stream.finish()), (ciphertext, tag));
}

#[test]
fn ctr_xor_at_matches_one_shot() {
    let mut rng = Rng(5);
    for case in 0..300 {
        let key = rng.key();
        let nonce = rng.nonce();
        let len = 1 + rng.below(5000);
        let plaintext = rng.bytes(len);
        let gcm = Gcm::new(&key).unwrap();
        let (ciphertext, _) = seal(&gcm, &nonce, &[], &plaintext);

        let start = rng.below(len + 1);
        let end = start + rng.below(len - start + 1);
        let mut piece = plaintext[start..end].to_vec();
        gcm.ctr_xor_at(&nonce, start as u64, &mut piece).unwrap();
        assert_eq!(piece, ciphertext[start..end], "case {case}: {start}..{end}");
    }
}

/// Keystream starting at every offset of the first batches, for lengths that end in the same, the
/// next, or a later batch.
#[test]
fn ctr_xor_at_every_short_offset() {
    let mut rng = Rng(6);
    let key = rng.key();
    let nonce = rng.nonce();
    let gcm = Gcm::new(&key).unwrap();
    let zeroes = [0u8; 400];
    let (keystream, _) = seal(&gcm, &nonce, &[], &zeroes);
    for start in 0..=160 {
        for len in [0, 1, 15, 16, 17, 47, 63, 64, 65, 130, 200] {
            let mut piece = vec![0; len];
            gcm.ctr_xor_at(&nonce, start as u64, &mut piece).unwrap();
            assert_eq!(piece, keystream[start..start + len], "{start}+{len}");
        }
    }
}

/// The last blocks of the 32-bit counter space, computed directly with AES.
#[test]
fn ctr_xor_at_end_of_counter_space() {
    let mut rng = Rng(7);
    for key_len in [16, 32] {
        let key = rng.bytes(key_len);
        let nonce = rng.nonce();
        let gcm = Gcm::new(&key).unwrap();

        let mut expected = Vec::new();
        for counter in [0xffff_fffe_u32, 0xffff_ffff] {
            let mut block = [0u8; 16];
            block[..12].copy_from_slice(&nonce);
            block[12..].copy_from_slice(&counter.to_be_bytes());
            let block = aes_gcm::aes::Block::from_mut_slice(&mut block);
            match key_len {
                16 => Aes128::new_from_slice(&key).unwrap().encrypt_block(block),
                _ => Aes256::new_from_slice(&key).unwrap().encrypt_block(block),
            }
            expected.extend_from_slice(block);
        }

        let mut keystream = [0u8; 32];
        gcm.ctr_xor_at(&nonce, MAX_PAYLOAD - 32, &mut keystream)
            .unwrap();
        assert_eq!(keystream[..], expected[..], "key {key_len} bytes");

        let mut tail = [0u8; 5];
        gcm.ctr_xor_at(&nonce, MAX_PAYLOAD - 5, &mut tail).unwrap();
        assert_eq!(tail[..], expected[27..], "key {key_len} bytes");
    }
}

#[test]
fn ctr_xor_at_rejects_ranges_past_the_limit() {
    let gcm = Gcm::new(&[7; 16]).unwrap();
    let nonce = [9; 12];
    gcm.ctr_xor_at(&nonce, MAX_PAYLOAD, &mut []).unwrap();
    let mut data = [0x5a; 3];
    for offset in [
        MAX_PAYLOAD - 2,
        MAX_PAYLOAD,
        MAX_PAYLOAD + 1,
        u64::MAX - 1,
        u64::MAX,
    ] {
        assert_eq!(
            gcm.ctr_xor_at(&nonce, offset, &mut data),
            Err(GcmError::TooLong),
            "{offset}"
        );
        assert_eq!(data, [0x5a; 3], "{offset}");
    }
}

/// Opens a copy of `ciphertext` that must be rejected, and checks that it is left as it was.
fn assert_rejected(gcm: &Gcm, nonce: &[u8; 12], aad: &[u8], ciphertext: &[u8], tag: &[u8; 16]) {
    let mut buf = ciphertext.to_vec();
    assert_eq!(
        gcm.open(nonce, aad, &mut buf, tag),
        Err(GcmError::Authentication)
    );
    assert_eq!(buf, ciphertext, "open altered the buffer on failure");

    let mut buf = ciphertext.to_vec();
    let mut stream = gcm.start(nonce, aad).unwrap();
    stream.decrypt_span(&mut buf).unwrap();
    assert_eq!(stream.verify(tag), Err(GcmError::Authentication));
}

/// Every bit of the ciphertext, the AAD and the tag of a few short messages, flipped one at a
/// time.
#[test]
fn open_rejects_every_single_bit_flip() {
    let mut rng = Rng(8);
    for (aad_len, len) in [(0, 0), (13, 0), (0, 1), (13, 37), (16, 64), (20, 70)] {
        let key = rng.key();
        let gcm = Gcm::new(&key).unwrap();
        let nonce = rng.nonce();
        let mut aad = rng.bytes(aad_len);
        let plaintext = rng.bytes(len);
        let (mut ciphertext, mut tag) = seal(&gcm, &nonce, &aad, &plaintext);

        for bit in 0..8 * len {
            ciphertext[bit / 8] ^= 1 << (bit % 8);
            assert_rejected(&gcm, &nonce, &aad, &ciphertext, &tag);
            ciphertext[bit / 8] ^= 1 << (bit % 8);
        }
        for bit in 0..8 * aad_len {
            aad[bit / 8] ^= 1 << (bit % 8);
            assert_rejected(&gcm, &nonce, &aad, &ciphertext, &tag);
            aad[bit / 8] ^= 1 << (bit % 8);
        }
        for bit in 0..128 {
            tag[bit / 8] ^= 1 << (bit % 8);
            assert_rejected(&gcm, &nonce, &aad, &ciphertext, &tag);
            tag[bit / 8] ^= 1 << (bit % 8);
        }

        // A shorter or longer AAD or ciphertext, or another nonce, is rejected as well.
        if len > 0 {
            assert_rejected(&gcm, &nonce, &aad, &ciphertext[..len - 1], &tag);
        }
        if aad_len > 0 {
            assert_rejected(&gcm, &nonce, &aad[..aad_len - 1], &ciphertext, &tag);
        }
        let mut longer = ciphertext.clone();
        longer.push(0);
        assert_rejected(&gcm, &nonce, &aad, &longer, &tag);
        let mut other_nonce = nonce;
        other_nonce[11] ^= 1;
        assert_rejected(&gcm, &other_nonce, &aad, &ciphertext, &tag);

        let mut buf = ciphertext;
        gcm.open(&nonce, &aad, &mut buf, &tag).unwrap();
        assert_eq!(buf, plaintext);
    }
}

/// Single-bit flips at random places of longer random messages.
#[test]
fn open_rejects_random_bit_flips() {
    let mut rng = Rng(9);
    for _ in 0..100 {
        let key = rng.key();
        let gcm = Gcm::new(&key).unwrap();
        let nonce = rng.nonce();
        let mut aad = rng.bytes_up_to(64);
        let plaintext = rng.bytes_up_to(5000);
        let (mut ciphertext, mut tag) = seal(&gcm, &nonce, &aad, &plaintext);

        let total_bits = 8 * (ciphertext.len() + aad.len() + tag.len());
        let bit = rng.below(total_bits);
        let (byte, mask) = (bit / 8, 1 << (bit % 8));
        if byte < ciphertext.len() {
            ciphertext[byte] ^= mask;
        } else if byte < ciphertext.len() + aad.len() {
            aad[byte - ciphertext.len()] ^= mask;
        } else {
            tag[byte - ciphertext.len() - aad.len()] ^= mask;
        }
        assert_rejected(&gcm, &nonce, &aad, &ciphertext, &tag);
    }
}
