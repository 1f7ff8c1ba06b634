// SPDX-License-Identifier: GPL-2.0

//! TLS 1.2 record framing (`tls12`) checked end to end against RustCrypto's `aes-gcm`: a record
//! laid out the way the kernel hands it to the device is sealed with the nonce and additional
//! data `tls12` builds, and an independent TLS 1.2 receiver (written here from RFC 5246/5288 with
//! RustCrypto) must open it. Also: the span arithmetic that maps TCP segments onto records
//! reassembles any segmentation of a record stream.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce, Tag};
mod common;

use common::Rng;
use tlsnic_core::gcm::Gcm;
use tlsnic_core::tls12::{self, FlowKeys, RecordHeader, Span, OVERHEAD, PREPEND_LEN, TAG_LEN};

/// The raw `tls12_crypto_info_aes_gcm_{128,256}` a socket would pass.
fn crypto_info(key: &[u8], salt: [u8; 4], iv: [u8; 8], rec_seq: u64) -> Vec<u8> {
    let cipher = if key.len() == 16 {
        tls12::CIPHER_AES_GCM_128
    } else {
        tls12::CIPHER_AES_GCM_256
    };
    let mut v = Vec::new();
    v.extend_from_slice(&tls12::TLS_1_2_VERSION.to_ne_bytes());
    v.extend_from_slice(&cipher.to_ne_bytes());
    v.extend_from_slice(&iv);
    v.extend_from_slice(key);
    v.extend_from_slice(&salt);
    v.extend_from_slice(&rec_seq.to_be_bytes());
    v
}

/// A record as the kernel frames it for the device: header, explicit nonce (the record
/// number, as the kernel writes it), plaintext, tag placeholder.
fn framed(ctype: u8, rcd_sn: u64, plaintext: &[u8]) -> Vec<u8> {
    let len = plaintext.len() + OVERHEAD;
    let mut r = vec![ctype, 3, 3];
    r.extend_from_slice(&((len - 5) as u16).to_be_bytes());
    r.extend_from_slice(&rcd_sn.to_be_bytes());
    r.extend_from_slice(plaintext);
    r.extend_from_slice(&[0u8; TAG_LEN]);
    r
}

/// What the device does to one record, using only `tls12` and the core GCM engine.
fn device_seal(keys: &FlowKeys, rcd_sn: u64, rec: &mut [u8]) {
    let hdr = RecordHeader::parse(rec, rec.len()).unwrap();
    let nonce = tls12::nonce(keys.salt.bytes(), &rec[5..PREPEND_LEN]);
    let gcm = Gcm::new(keys.key.expose()).unwrap();
    let (body, tag) = rec[PREPEND_LEN..].split_at_mut(hdr.plaintext_len);
    let mut t = [0u8; TAG_LEN];
    gcm.seal(&nonce, &hdr.aad(rcd_sn), body, &mut t).unwrap();
    tag.copy_from_slice(&t);
}

/// An independent TLS 1.2 AES-GCM receiver (RFC 5288): opens one record.
fn receiver_open(key: &[u8], salt: [u8; 4], seq: u64, rec: &[u8]) -> Option<Vec<u8>> {
    let len = u16::from_be_bytes([rec[3], rec[4]]) as usize;
    let ct_len = len - 8 - 16;
    let mut nonce = [0u8; 12];
    nonce[..4].copy_from_slice(&salt);
    nonce[4..].copy_from_slice(&rec[5..13]);
    let mut aad = Vec::new();
    aad.extend_from_slice(&seq.to_be_bytes());
    aad.extend_from_slice(&rec[..3]);
    aad.extend_from_slice(&(ct_len as u16).to_be_bytes());
    let mut body = rec[13..13 + ct_len].to_vec();
    let tag = Tag::from_slice(&rec[13 + ct_len..13 + ct_len + 16]);
    let ok = if key.len() == 16 {
        Aes128Gcm::new_from_slice(key)
            .unwrap()
            .decrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut body, tag)
    } else {
        Aes256Gcm::new_from_slice(key)
            .unwrap()
            .decrypt_in_place_detached(Nonce::from_slice(&nonce), &aad, &mut body, tag)
    };
    ok.ok().map(|()| body)
}

#[test]
fn device_records_open_in_an_independent_receiver() {
    let mut rng = Rng(0x7157);
    for case in 0..200 {
        let key: Vec<u8> = (0..if case % 2 == 0 { 16 } else { 32 })
            .map(|_| rng.next_u64() as u8)
            .collect();
        let salt = (rng.next_u64() as u32).to_be_bytes();
        let rec_seq = rng.below(1 << 40) as u64;
        let keys = FlowKeys::parse(&crypto_info(&key, salt, [9; 8], rec_seq)).unwrap();
        assert_eq!(keys.rec_seq, rec_seq);
        let len = match case % 5 {
            0 => 0,
            1 => 1,
            2 => tls12::MAX_PLAINTEXT,
            _ => rng.below(tls12::MAX_PLAINTEXT + 1),
        };
        let plaintext: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let sn = rec_seq + case;
        let ctype = [23u8, 21, 22][case as usize % 3];
        let mut rec = framed(ctype, sn, &plaintext);
        device_seal(&keys, sn, &mut rec);
        if len > 0 {
            assert_ne!(
                &rec[PREPEND_LEN..PREPEND_LEN + len],
                &plaintext[..],
                "case {case}: still clear"
            );
        }
        assert_eq!(
            receiver_open(&key, salt, sn, &rec).as_deref(),
            Some(&plaintext[..]),
            "case {case}"
        );
        // A different record number must not authenticate.
        assert!(
            receiver_open(&key, salt, sn + 1, &rec).is_none(),
            "case {case}"
        );
    }
}

#[test]
fn any_segmentation_reassembles_the_record_stream() {
    // A stream of records starting at a sequence number near wrap-around, cut into random
    // segments; each segment is rebuilt from the records it crosses, as the transmit path does.
    let mut rng = Rng(42);
    for case in 0..50 {
        let start = u32::MAX - rng.below(100_000) as u32;
        let mut stream = Vec::new();
        let mut records = Vec::new();
        let mut seq = start;
        for _ in 0..20 {
            let len = (OVERHEAD + rng.below(3000)) as u32;
            records.push((Span { start: seq, len }, stream.len()));
            stream.extend((0..len).map(|_| rng.next_u64() as u8));
            seq = seq.wrapping_add(len);
        }
        let mut pos = 0usize;
        while pos < stream.len() {
            let n = (1 + rng.below(9000)).min(stream.len() - pos);
            let seg = Span {
                start: start.wrapping_add(pos as u32),
                len: n as u32,
            };
            let mut out = Vec::new();
            let mut done = 0u32;
            while done < seg.len {
                let s = seg.start.wrapping_add(done);
                let (span, base) = records
                    .iter()
                    .find(|(sp, _)| sp.contains(s))
                    .copied()
                    .unwrap();
                let take = span.take_from(s, seg.len - done);
                let off = base + span.offset_of(s) as usize;
                out.extend_from_slice(&stream[off..off + take as usize]);
                done += take;
            }
            assert_eq!(out, stream[pos..pos + n], "case {case} at {pos}");
            pos += n;
        }
    }
}
