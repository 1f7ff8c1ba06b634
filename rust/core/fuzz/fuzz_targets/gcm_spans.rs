// SPDX-License-Identifier: GPL-2.0

//! Differential fuzzing of the soft AES-GCM engine's record/span API against RustCrypto
//! `aes-gcm`: a TLS 1.2 record (13 bytes of additional data) sealed in one shot, in spans cut
//! anywhere (streaming and owned-state forms), re-encrypted from any offset (`ctr_xor_at`),
//! decrypted in spans and verified; a flipped bit must fail verification.

#![no_main]

use aes_gcm::{aead::AeadInPlace, Aes128Gcm, Aes256Gcm, KeyInit, Nonce, Tag};
use libfuzzer_sys::fuzz_target;
use tlsnic_core::gcm::{Gcm, GcmError, NONCE_LEN, TAG_LEN};

/// Splits the input: a header of choices, then the plaintext.
struct Input<'a> {
    key: &'a [u8],
    nonce: [u8; NONCE_LEN],
    aad: [u8; 13],
    cuts: &'a [u8],
    offset: usize,
    flip: usize,
    plaintext: &'a [u8],
}

impl<'a> Input<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        let (&sel, rest) = data.split_first()?;
        let key_len = if sel & 1 == 0 { 16 } else { 32 };
        let n_cuts = usize::from(sel >> 1) % 16;
        if rest.len() < key_len + NONCE_LEN + 13 + n_cuts + 4 {
            return None;
        }
        let (key, rest) = rest.split_at(key_len);
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (aad, rest) = rest.split_at(13);
        let (cuts, rest) = rest.split_at(n_cuts);
        let (pos, plaintext) = rest.split_at(4);
        Some(Self {
            key,
            nonce: nonce.try_into().ok()?,
            aad: aad.try_into().ok()?,
            cuts,
            offset: usize::from(u16::from_le_bytes([pos[0], pos[1]])),
            flip: usize::from(u16::from_le_bytes([pos[2], pos[3]])),
            plaintext,
        })
    }

    /// Span boundaries inside `0..len`, from the cut bytes (sorted, possibly repeated: empty
    /// spans are part of the API).
    fn spans(&self, len: usize) -> Vec<(usize, usize)> {
        let mut at: Vec<usize> = self
            .cuts
            .iter()
            .map(|&c| {
                if len == 0 {
                    0
                } else {
                    usize::from(c) * len / 255
                }
            })
            .collect();
        at.sort_unstable();
        let mut spans = Vec::new();
        let mut start = 0;
        for cut in at.into_iter().chain([len]) {
            spans.push((start, cut));
            start = cut;
        }
        spans
    }
}

/// RustCrypto's ciphertext and tag.
fn oracle(input: &Input<'_>) -> (Vec<u8>, [u8; TAG_LEN]) {
    let mut buf = input.plaintext.to_vec();
    let nonce = Nonce::from_slice(&input.nonce);
    let tag = if input.key.len() == 16 {
        Aes128Gcm::new_from_slice(input.key)
            .unwrap()
            .encrypt_in_place_detached(nonce, &input.aad, &mut buf)
    } else {
        Aes256Gcm::new_from_slice(input.key)
            .unwrap()
            .encrypt_in_place_detached(nonce, &input.aad, &mut buf)
    }
    .unwrap();
    (buf, tag.into())
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::parse(data) else {
        return;
    };
    let gcm = Gcm::new(input.key).unwrap();
    let (want_ct, want_tag) = oracle(&input);
    let spans = input.spans(input.plaintext.len());

    // One shot.
    let mut ct = input.plaintext.to_vec();
    let mut tag = [0u8; TAG_LEN];
    gcm.seal(&input.nonce, &input.aad, &mut ct, &mut tag)
        .unwrap();
    assert_eq!(ct, want_ct, "seal ciphertext");
    assert_eq!(tag, want_tag, "seal tag");

    // Streaming encryption in spans.
    let mut buf = input.plaintext.to_vec();
    let mut stream = gcm.start(&input.nonce, &input.aad).unwrap();
    for &(a, b) in &spans {
        stream.encrypt_span(&mut buf[a..b]).unwrap();
    }
    assert_eq!(buf, want_ct, "span ciphertext");
    assert_eq!(stream.finish(), want_tag, "span tag");

    // Owned state (a record spread over packets), decrypting in spans.
    let mut buf = want_ct.clone();
    let mut state = gcm.begin_record(&input.nonce, &input.aad);
    for &(a, b) in &spans {
        state.decrypt_span(&gcm, &mut buf[a..b]).unwrap();
    }
    assert_eq!(buf, input.plaintext, "span plaintext");
    state.verify(&gcm, &want_tag).unwrap();

    // Keystream from any offset: a retransmitted segment starting mid-record.
    let len = input.plaintext.len();
    if len > 0 {
        let start = input.offset % len;
        let end = start + (input.flip % (len - start + 1));
        let mut part = input.plaintext[start..end].to_vec();
        gcm.ctr_xor_at(&input.nonce, start as u64, &mut part)
            .unwrap();
        assert_eq!(part, want_ct[start..end], "ctr_xor_at");
    }

    // Open, and a single flipped bit anywhere in ciphertext or tag.
    let mut buf = want_ct.clone();
    gcm.open(&input.nonce, &input.aad, &mut buf, &want_tag)
        .unwrap();
    assert_eq!(buf, input.plaintext, "open");
    let mut ct = want_ct.clone();
    let mut tag = want_tag;
    let bit = input.flip % ((len + TAG_LEN) * 8);
    if bit / 8 < len {
        ct[bit / 8] ^= 1 << (bit % 8);
    } else {
        tag[bit / 8 - len] ^= 1 << (bit % 8);
    }
    let before = ct.clone();
    assert_eq!(
        gcm.open(&input.nonce, &input.aad, &mut ct, &tag),
        Err(GcmError::Authentication),
        "forgery accepted"
    );
    assert_eq!(ct, before, "open changed a rejected ciphertext");
    // Keep the oracle honest too.
    let mut rc = want_ct.clone();
    let rc_tag = Tag::from_slice(&tag);
    let rejected = if input.key.len() == 16 {
        Aes128Gcm::new_from_slice(input.key)
            .unwrap()
            .decrypt_in_place_detached(Nonce::from_slice(&input.nonce), &input.aad, &mut rc, rc_tag)
    } else {
        Aes256Gcm::new_from_slice(input.key)
            .unwrap()
            .decrypt_in_place_detached(Nonce::from_slice(&input.nonce), &input.aad, &mut rc, rc_tag)
    };
    assert_eq!(
        rejected.is_err(),
        bit / 8 >= len,
        "oracle disagrees on the tag-only flip"
    );
});
