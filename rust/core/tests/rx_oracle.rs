// SPDX-License-Identifier: GPL-2.0

//! The receive-side record tracker (`rx::RxStream`, with the core `gcm::Gcm` as its engine)
//! checked against an independent TLS 1.2 AES-GCM sender written here with RustCrypto's
//! `aes-gcm` (RFC 5246/5288 framing: header, explicit nonce, ciphertext, tag; nonce = salt ||
//! explicit nonce; AAD = record number || type || version || plaintext length).
//!
//! The record stream is cut into TCP packets at random boundaries (1 byte to 64 KiB and more, with
//! sequence numbers that wrap around), and the packets reach the device in order, or with losses
//! followed by retransmissions, duplicates, swaps and flipped bits. Every packet goes through
//! `begin`/`feed` (in random pieces)/`end`, and the packet the device delivers (its decrypted copy
//! if the verdict says so, the original otherwise) is checked byte by byte against a map of the
//! stream that says, for each byte, which record it belongs to and whether it is header, explicit
//! nonce, ciphertext (with its plaintext) or tag.
//!
//! What must hold:
//!
//! - safety, in every scenario: a packet marked decrypted holds exactly the right plaintext at
//!   ciphertext positions (the decryption of the bytes received, for a flipped bit) and the wire
//!   bytes elsewhere, and never contains the last byte of a record that was altered on the way;
//! - a clean in-order stream is decrypted completely, for AES-128 and AES-256;
//! - a loss or a reordering loses sync (`Skip::Lost` once, then `Skip::OutOfSync`), and a resync
//!   hint (`TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT`) at the next record brings decryption back; a
//!   stale hint or one whose packet is lost is ignored;
//! - in sync, a hint at the device's own record boundary changes nothing, and a hint elsewhere
//!   (a wrong boundary, even one that looks like a valid header) never makes the device deliver
//!   wrong plaintext;
//! - an impossible record header loses sync;
//! - 200 random streams with random fault mixes and random (also garbage) hints keep the safety
//!   property and never panic.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
mod common;

use common::Rng;
use tlsnic_core::gcm::{Gcm, GcmState};
use tlsnic_core::rx::resync::{Ask, Mode, Requester};
use tlsnic_core::rx::{Hint, Opener, RxStream, Skip, Start, Verdict};

/// Record header plus explicit nonce.
const PREPEND: usize = 13;
/// GCM tag.
const TAG: usize = 16;
/// Largest plaintext kTLS sends.
const MAX_PT: usize = 1 << 14;
/// Largest ciphertext TLS 1.2 allows (`2^14 + 2048`).
const MAX_CT: usize = MAX_PT + 2048;

// ---------------------------------------------------------------------------------------------
// The sender.
// ---------------------------------------------------------------------------------------------

/// What a byte of the stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Header,
    Nonce,
    Ciphertext { plain: u8 },
    Tag,
}

/// One byte of the stream: its kind and the index of its record.
#[derive(Clone, Copy, Debug)]
struct Byte {
    kind: Kind,
    rec: usize,
}

/// A record's extent in the stream (offsets from the stream start) and its record number.
#[derive(Clone, Copy, Debug)]
struct Record {
    start: usize,
    end: usize,
    sn: u64,
}

/// A TLS 1.2 AES-GCM record stream as it leaves the sender.
struct Stream {
    key: Vec<u8>,
    salt: [u8; 4],
    start_seq: u32,
    first_sn: u64,
    wire: Vec<u8>,
    map: Vec<Byte>,
    records: Vec<Record>,
}

/// The sender's AES-GCM (RustCrypto): encrypts `buf` in place and returns the tag.
fn seal(key: &[u8], nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; TAG] {
    let nonce = Nonce::from_slice(nonce);
    let tag = match key.len() {
        16 => Aes128Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(nonce, aad, buf),
        32 => Aes256Gcm::new_from_slice(key)
            .unwrap()
            .encrypt_in_place_detached(nonce, aad, buf),
        n => panic!("key length {n}"),
    }
    .unwrap();
    let mut t = [0u8; TAG];
    t.copy_from_slice(&tag);
    t
}

impl Stream {
    /// Records with plaintext lengths `pt_lens` (key, salt and plaintext drawn from `seed`),
    /// numbered from `first_sn`, the first header at TCP sequence number `start_seq`. The
    /// explicit nonce is the record number (big-endian), as the kernel writes it, or random
    /// bytes.
    fn build(
        seed: u64,
        key_len: usize,
        start_seq: u32,
        first_sn: u64,
        pt_lens: &[usize],
        random_nonce: bool,
    ) -> Stream {
        let rng = &mut Rng(seed);
        let key = rng.bytes(key_len);
        let mut salt = [0u8; 4];
        rng.fill(&mut salt);
        let mut wire = Vec::new();
        let mut map = Vec::new();
        let mut records = Vec::new();
        for (rec, &n) in pt_lens.iter().enumerate() {
            assert!(n <= MAX_CT);
            let sn = first_sn.wrapping_add(rec as u64);
            let explicit = if random_nonce {
                let mut e = [0u8; 8];
                rng.fill(&mut e);
                e
            } else {
                sn.to_be_bytes()
            };
            let plain = rng.bytes(n);
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&salt);
            nonce[4..].copy_from_slice(&explicit);
            let mut aad = [0u8; 13];
            aad[..8].copy_from_slice(&sn.to_be_bytes());
            aad[8..11].copy_from_slice(&[23, 3, 3]);
            aad[11..].copy_from_slice(&(n as u16).to_be_bytes());
            let mut body = plain.clone();
            let tag = seal(&key, &nonce, &aad, &mut body);

            let start = wire.len();
            wire.extend_from_slice(&[23, 3, 3]);
            wire.extend_from_slice(&((8 + n + TAG) as u16).to_be_bytes());
            wire.extend_from_slice(&explicit);
            wire.extend_from_slice(&body);
            wire.extend_from_slice(&tag);
            let byte = |kind| Byte { kind, rec };
            map.extend((0..5).map(|_| byte(Kind::Header)));
            map.extend((0..8).map(|_| byte(Kind::Nonce)));
            map.extend(plain.iter().map(|&p| byte(Kind::Ciphertext { plain: p })));
            map.extend((0..TAG).map(|_| byte(Kind::Tag)));
            records.push(Record {
                start,
                end: wire.len(),
                sn,
            });
        }
        Stream {
            key,
            salt,
            start_seq,
            first_sn,
            wire,
            map,
            records,
        }
    }

    /// TCP sequence number of stream offset `off`.
    fn seq(&self, off: usize) -> u32 {
        self.start_seq.wrapping_add(off as u32)
    }

    /// Index of the record holding stream offset `off`.
    fn rec_of(&self, off: usize) -> usize {
        self.records.partition_point(|r| r.end <= off)
    }

    /// Records whose last byte lies in `[off, off + len)`.
    fn ending_in(&self, off: usize, len: usize) -> core::ops::Range<usize> {
        self.records.partition_point(|r| r.end <= off)
            ..self.records.partition_point(|r| r.end <= off + len)
    }

    /// The first record whose header starts at or after `off`.
    fn next_record_from(&self, off: usize) -> Option<usize> {
        let r = self.records.partition_point(|r| r.start < off);
        (r < self.records.len()).then_some(r)
    }

    /// One packet per record.
    fn per_record(&self) -> Vec<Pkt> {
        self.records
            .iter()
            .map(|r| (r.start, r.end - r.start))
            .collect()
    }

    /// The kernel's hint for record `r`.
    fn hint(&self, r: usize) -> Hint {
        Hint {
            seq: self.seq(self.records[r].start),
            rcd_sn: self.records[r].sn,
        }
    }
}

/// A plaintext length in `0..=2^14`, often 0, tiny, full or around one MSS.
fn random_pt_len(rng: &mut Rng) -> usize {
    match rng.below(10) {
        0 => 0,
        1 | 2 => 1 + rng.below(40),
        3 => MAX_PT,
        4 => 1400 + rng.below(200),
        _ => rng.below(MAX_PT + 1),
    }
}

/// A plaintext length whose length field reads `03 xx` with `xx` in `1..=72`: one byte after
/// the header's start, `03 03 03 xx n0` looks like a valid header (for an explicit nonce whose
/// first byte `n0` is 0).
fn fake_header_len(rng: &mut Rng) -> usize {
    0x0301 + rng.below(72) - 8 - TAG
}

/// `n` plaintext lengths in `min..min + 3000`, but for record 4, whose header then reads
/// `17 03 03 03 10`: one byte into it, `03 03 03 10 00` looks like the header of a 4096-byte
/// record that is not there (see [`fake_header_at`]).
fn lens_with_fake_header(rng: &mut Rng, n: usize, min: usize) -> Vec<usize> {
    let mut lens: Vec<usize> = (0..n).map(|_| min + rng.below(3000)).collect();
    lens[4] = 0x0310 - 8 - TAG;
    lens
}

/// The stream offset of the fake header in a stream of [`lens_with_fake_header`] (the explicit
/// nonce, the record number, starts with 0).
fn fake_header_at(s: &Stream) -> usize {
    let fake = s.records[4].start + 1;
    assert_eq!(&s.wire[fake..fake + 5], &[3, 3, 3, 0x10, 0]);
    fake
}

/// `n` plaintext lengths of [`random_pt_len`].
fn random_lens(rng: &mut Rng, n: usize) -> Vec<usize> {
    (0..n).map(|_| random_pt_len(rng)).collect()
}

// ---------------------------------------------------------------------------------------------
// The network.
// ---------------------------------------------------------------------------------------------

/// A TCP packet: stream offset and length.
type Pkt = (usize, usize);

/// A packet size in `1..=70000`: often tiny, often around one MSS, sometimes 64 KiB (GRO/LRO).
fn packet_size(rng: &mut Rng) -> usize {
    match rng.below(10) {
        0 | 1 => 1 + rng.below(16),
        2 => 17 + rng.below(300),
        3..=5 => 1400 + rng.below(100),
        6 => 65536 - rng.below(1024),
        7 => 1 + rng.below(70000),
        _ => 1 + rng.below(5000),
    }
}

/// Whether packet `p` holds stream offset `at`.
fn holds((off, len): Pkt, at: usize) -> bool {
    off <= at && at < off + len
}

/// Cuts `[0, total)` into packets of [`packet_size`].
fn cut(rng: &mut Rng, total: usize) -> Vec<Pkt> {
    cut_with(rng, 0, total, packet_size)
}

fn cut_with(rng: &mut Rng, from: usize, to: usize, size: fn(&mut Rng) -> usize) -> Vec<Pkt> {
    let mut v = Vec::new();
    let mut off = from;
    while off < to {
        let n = size(rng).min(to - off);
        v.push((off, n));
        off += n;
    }
    v
}

/// The packet at `i` is lost and retransmitted after `later` (>= 1) more packets.
fn drop_and_retransmit(pkts: &mut Vec<Pkt>, i: usize, later: usize) {
    let p = pkts.remove(i);
    let j = (i + later).min(pkts.len());
    pkts.insert(j, p);
}

// ---------------------------------------------------------------------------------------------
// The device.
// ---------------------------------------------------------------------------------------------

/// One packet as the device handled it.
#[derive(Clone, Copy, Debug)]
struct Event {
    off: usize,
    len: usize,
    start: Start,
    /// Default (nothing) for a skipped packet.
    v: Verdict,
}

impl Event {
    fn pkt(&self) -> Pkt {
        (self.off, self.len)
    }
}

/// The device following one stream, and the checks on what it delivers.
/// The soft engine, opening records that arrive whole in one operation as a one-shot AEAD does
/// (`Gcm::open`), and leaving garbage in the buffer when the tag fails, as a kernel AEAD may.
/// Counts the records it opened so.
struct OneShot {
    gcm: Gcm,
    whole: u64,
}

impl Opener for OneShot {
    type State = GcmState;

    fn begin(&mut self, nonce: &[u8; 12], aad: &[u8; 13]) -> GcmState {
        Opener::begin(&mut self.gcm, nonce, aad)
    }

    fn decrypt(&mut self, state: &mut GcmState, data: &mut [u8]) {
        Opener::decrypt(&mut self.gcm, state, data)
    }

    fn authenticate(&mut self, state: &mut GcmState, data: &[u8]) {
        Opener::authenticate(&mut self.gcm, state, data)
    }

    fn verify(&mut self, state: GcmState, tag: &[u8; TAG]) -> bool {
        Opener::verify(&mut self.gcm, state, tag)
    }

    fn open(&mut self, nonce: &[u8; 12], aad: &[u8; 13], record: &mut [u8]) -> bool {
        self.whole += 1;
        let (ct, tag) = record.split_at_mut(record.len() - TAG);
        let tag: [u8; TAG] = tag.try_into().unwrap();
        if Gcm::open(&self.gcm, nonce, aad, ct, &tag).is_ok() {
            return true;
        }
        ct.fill(0xa5);
        false
    }

    fn open_split(&mut self, nonce: &[u8; 12], aad: &[u8; 13], a: &mut [u8], b: &mut [u8]) -> bool {
        // As a scatter list would: one operation over the two buffers.
        let mut record = [&*a, &*b].concat();
        let ok = self.open(nonce, aad, &mut record);
        let (x, y) = record.split_at(a.len());
        a.copy_from_slice(x);
        b.copy_from_slice(y);
        ok
    }
}

struct Sim<'a> {
    s: &'a Stream,
    /// The stream as it reaches the device (with flipped bits).
    rx_wire: Vec<u8>,
    /// Records altered on the way.
    bad: Vec<bool>,
    rx: RxStream<GcmState>,
    gcm: OneShot,
    rng: Rng,
    /// One past the furthest byte the device was offered.
    seen_end: usize,
    log: Vec<Event>,
    /// Stream offset from which the device follows the stream from a true anchor (the start or
    /// a true hint), while it does.
    anchor: Option<usize>,
    /// Stream offset of the latest hint if it is a true record start.
    hint_off: Option<usize>,
    /// Stream offset of the latest hint, if it lies in the stream.
    last_hint: Option<usize>,
    /// Altered records that ended while the device followed them from a true anchor.
    followed_bad: u64,
    /// The first plausible header the device saw in the latest packet it skipped out of sync.
    candidate: Option<u32>,
}

impl<'a> Sim<'a> {
    fn new(s: &'a Stream, seed: u64) -> Self {
        Self::with_device_sn(s, seed, s.first_sn)
    }

    /// A device told that the first record is numbered `sn`.
    fn with_device_sn(s: &'a Stream, seed: u64, sn: u64) -> Self {
        Sim {
            s,
            rx_wire: s.wire.clone(),
            bad: vec![false; s.records.len()],
            rx: RxStream::new(s.start_seq, sn),
            gcm: OneShot {
                gcm: Gcm::new(&s.key).unwrap(),
                whole: 0,
            },
            rng: Rng(seed),
            seen_end: 0,
            log: Vec::new(),
            anchor: Some(0),
            hint_off: None,
            last_hint: None,
            followed_bad: 0,
            candidate: None,
        }
    }

    /// Flips one bit in the ciphertext or tag of record `r`.
    fn corrupt(&mut self, r: usize) {
        let rec = self.s.records[r];
        let at = rec.start + PREPEND + self.rng.below(rec.end - rec.start - PREPEND);
        self.rx_wire[at] ^= 1 << self.rng.below(8);
        self.bad[r] = true;
    }

    /// Replaces the header of record `r` (as it arrives) with `hdr[1..5]`.
    fn set_header(&mut self, r: usize, hdr: [u8; 4]) {
        let at = self.s.records[r].start + 1;
        self.rx_wire[at..at + 4].copy_from_slice(&hdr);
        self.bad[r] = true;
    }

    /// The kernel's hint for record `r`.
    fn hint_record(&mut self, r: usize) {
        self.rx.resync(self.s.hint(r));
        self.hint_off = Some(self.s.records[r].start);
        self.last_hint = self.hint_off;
    }

    /// The kernel's hint for the first record the device has not been offered any byte of, if
    /// there is one; returns that record.
    fn hint_next(&mut self) -> Option<usize> {
        let r = self.next_unseen()?;
        self.hint_record(r);
        Some(r)
    }

    /// A resync point from the (modelled) kernel: true if it names a record's start and
    /// number.
    fn hint_kernel(&mut self, h: Hint) {
        self.rx.resync(h);
        let off = h.seq.wrapping_sub(self.s.start_seq) as usize;
        self.hint_off = self
            .s
            .records
            .iter()
            .find(|r| r.start == off && r.sn == h.rcd_sn)
            .map(|r| r.start);
        self.last_hint = (off < self.s.wire.len()).then_some(off);
    }

    /// A hint that need not point at a record.
    fn hint_garbage(&mut self, h: Hint) {
        self.rx.resync(h);
        self.hint_off = None;
        let off = h.seq.wrapping_sub(self.s.start_seq) as usize;
        self.last_hint = (off < self.s.wire.len()).then_some(off);
    }

    /// Whether the device was offered the byte at the latest hint (or there is none).
    fn hint_passed(&self) -> bool {
        self.last_hint.is_none_or(|o| self.seen_end > o)
    }

    /// The first record the device has not been offered any byte of.
    fn next_unseen(&self) -> Option<usize> {
        self.s.next_record_from(self.seen_end)
    }

    /// Offers the packet at `off` of `len` bytes to the device and checks what it delivers.
    fn deliver(&mut self, (off, len): Pkt) -> Event {
        let start = self.rx.begin(self.s.seq(off), len as u32);
        self.seen_end = self.seen_end.max(off + len);
        self.candidate = None;
        let mut v = Verdict::default();
        match start {
            Start::Process => {
                let mut buf = self.rx_wire[off..off + len].to_vec();
                let pieces = 1 + self.rng.below(4.min(len));
                let mut cuts: Vec<usize> =
                    (1..pieces).map(|_| 1 + self.rng.below(len - 1)).collect();
                cuts.extend([0, len]);
                cuts.sort_unstable();
                // As the module does with the buffers it copies a packet into: runs of one to
                // three pieces fed at once (`feed_parts`: a record across two pieces of a run
                // is opened whole).
                let mut w = 0;
                while w + 1 < cuts.len() {
                    let k = (1 + self.rng.below(3)).min(cuts.len() - 1 - w);
                    let mut parts: Vec<&mut [u8]> = Vec::new();
                    let mut rest = &mut buf[cuts[w]..cuts[w + k]];
                    for j in w..w + k {
                        let (part, r) =
                            core::mem::take(&mut rest).split_at_mut(cuts[j + 1] - cuts[j]);
                        parts.push(part);
                        rest = r;
                    }
                    self.rx.feed_parts(&mut self.gcm, &self.s.salt, &mut parts);
                    w += k;
                }
                v = self.rx.end();
                self.check(off, &buf, &v);
                if v.resumed {
                    // The device took up the stream at the hint, or at the first record after
                    // it that starts in this packet (followed through the headers it saw).
                    let first_here = self
                        .s
                        .next_record_from(off)
                        .map(|r| self.s.records[r].start);
                    self.anchor = self.hint_off.map(|h| first_here.map_or(h, |f| f.max(h)));
                }
                if !self.rx.synced() {
                    self.anchor = None;
                }
                if let Some(a) = self.anchor {
                    self.followed_bad += self
                        .s
                        .ending_in(off, len)
                        .filter(|&r| self.bad[r] && self.s.records[r].start >= a)
                        .count() as u64;
                }
            }
            Start::Skip(Skip::Lost | Skip::OutOfSync) => {
                // As the module does: show the device what went by.
                self.candidate = self
                    .rx
                    .observe(self.s.seq(off), &self.rx_wire[off..off + len]);
                self.anchor = None;
            }
            Start::Skip(_) => {}
        }
        let e = Event { off, len, start, v };
        self.log.push(e);
        e
    }

    /// The safety property for one processed packet; `buf` is the device's copy.
    fn check(&self, off: usize, buf: &[u8], v: &Verdict) {
        if v.auth_failed > 0 || v.bad_header {
            assert!(!v.decrypted, "packet at {off}: {v:?}");
        }
        if v.bad_header {
            assert!(!self.rx.synced(), "packet at {off}: bad header but in sync");
        }
        if !v.decrypted {
            // The original goes up: nothing the device did is visible.
            return;
        }
        for (i, &got) in buf.iter().enumerate() {
            let at = off + i;
            let b = self.s.map[at];
            let want = match b.kind {
                // The decryption of the byte received (a flipped bit stays flipped).
                Kind::Ciphertext { plain } => plain ^ self.rx_wire[at] ^ self.s.wire[at],
                _ => self.rx_wire[at],
            };
            assert_eq!(
                got,
                want,
                "packet [{off}, {}) marked decrypted: byte {at} ({:?} of record {}) wrong",
                off + buf.len(),
                b.kind,
                b.rec
            );
        }
        for r in self.s.ending_in(off, buf.len()) {
            assert!(
                !self.bad[r],
                "packet [{off}, {}) marked decrypted, but altered record {r} ends in it",
                off + buf.len()
            );
        }
    }

    fn records_ok(&self) -> u64 {
        self.records_ok_from(0)
    }

    /// Records authenticated from event `from` on.
    fn records_ok_from(&self, from: usize) -> u64 {
        self.log[from..]
            .iter()
            .map(|e| u64::from(e.v.records_ok))
            .sum()
    }

    fn auth_failed(&self) -> u64 {
        self.log.iter().map(|e| u64::from(e.v.auth_failed)).sum()
    }

    fn resumed(&self) -> Vec<usize> {
        (0..self.log.len())
            .filter(|&i| self.log[i].v.resumed)
            .collect()
    }

    /// Every altered record the device followed from a true anchor failed authentication.
    fn check_bad_records_failed(&self) {
        assert!(
            self.auth_failed() >= self.followed_bad,
            "auth_failed {} < altered records followed {}",
            self.auth_failed(),
            self.followed_bad
        );
    }

    /// The device resumed once, in the packet holding the header of record `r` (the hinted one),
    /// and decrypted every packet from record `r + 1` on; returns the event where it resumed.
    fn check_resumed_at(&self, r: usize, case: usize) -> usize {
        let resumed = self.resumed();
        assert_eq!(resumed.len(), 1, "case {case}");
        let at = resumed[0];
        let e = self.log[at];
        let h = self.s.records[r].start;
        assert!(
            holds(e.pkt(), h),
            "case {case}: resumed in {e:?}, hint at {h}"
        );
        self.check_decrypted_from(at, r + 1);
        at
    }

    /// After event `from`, every processed packet that lies wholly in records `>= first` is
    /// decrypted.
    fn check_decrypted_from(&self, from: usize, first: usize) {
        for e in &self.log[from..] {
            if e.start == Start::Process && self.s.rec_of(e.off) >= first {
                assert!(
                    e.v.decrypted,
                    "packet [{}, {}) (records {}..={}) not decrypted: {:?}",
                    e.off,
                    e.off + e.len,
                    self.s.rec_of(e.off),
                    self.s.rec_of(e.off + e.len - 1),
                    e.v
                );
            }
        }
    }
}

/// A start sequence number: anywhere, or close enough to 2^32 to wrap inside the stream.
fn start_seq(rng: &mut Rng, near_wrap: bool) -> u32 {
    if near_wrap {
        u32::MAX - rng.below(70_000) as u32
    } else {
        rng.next_u64() as u32
    }
}

/// A stream of records with plaintext lengths `lens` (seed from `rng`), starting at a
/// [`start_seq`].
fn stream_of(
    rng: &mut Rng,
    lens: &[usize],
    key_len: usize,
    near_wrap: bool,
    first_sn: u64,
    random_nonce: bool,
) -> Stream {
    let seed = rng.next_u64();
    let seq = start_seq(rng, near_wrap);
    Stream::build(seed, key_len, seq, first_sn, lens, random_nonce)
}

/// A stream of `n` records of [`random_pt_len`] plaintext, starting at a [`start_seq`].
fn random_stream(
    rng: &mut Rng,
    n: usize,
    key_len: usize,
    near_wrap: bool,
    first_sn: u64,
    random_nonce: bool,
) -> Stream {
    let lens = random_lens(rng, n);
    stream_of(rng, &lens, key_len, near_wrap, first_sn, random_nonce)
}

// ---------------------------------------------------------------------------------------------
// In order.
// ---------------------------------------------------------------------------------------------

fn clean_stream(key_len: usize, seed: u64) {
    let mut rng = Rng(seed);
    let mut whole = 0;
    for case in 0..6 {
        let n = 30;
        let mut lens = random_lens(&mut rng, n);
        lens[0] = 0;
        lens[1] = 1;
        let (near_wrap, first_sn) = (case % 2 == 0, rng.next_u64() >> (case * 8));
        let s = stream_of(&mut rng, &lens, key_len, near_wrap, first_sn, case % 3 == 0);
        let pkts = cut(&mut rng, s.wire.len());
        let mut sim = Sim::new(&s, rng.next_u64());
        for &p in &pkts {
            let e = sim.deliver(p);
            assert_eq!(e.start, Start::Process, "case {case}");
            assert!(e.v.decrypted, "case {case}: packet {p:?} {:?}", e.v);
            assert!(!e.v.resumed && !e.v.bad_header);
        }
        assert_eq!(sim.records_ok(), n as u64, "case {case}");
        assert_eq!(sim.auth_failed(), 0, "case {case}");
        assert!(sim.rx.synced());
        whole += sim.gcm.whole;
    }
    // Records inside one packet went through the engine's one-shot open.
    assert!(whole > 0, "no record was opened whole");
}

#[test]
fn clean_stream_is_decrypted_aes128() {
    clean_stream(16, 0x0128);
}

#[test]
fn clean_stream_is_decrypted_aes256() {
    clean_stream(32, 0x0256);
}

/// The same stream in one packet per record, one packet per byte, and everything in one packet.
#[test]
fn extreme_segmentations() {
    let mut rng = Rng(0x5e9);
    let lens = [0, 1, 15, 16, 17, 100, 0, 3000, 2];
    let s = Stream::build(rng.next_u64(), 16, u32::MAX - 40, 5, &lens, false);
    let per_record = s.per_record();
    let per_byte: Vec<Pkt> = (0..s.wire.len()).map(|i| (i, 1)).collect();
    let whole = vec![(0, s.wire.len())];
    for pkts in [per_record, per_byte, whole] {
        let mut sim = Sim::new(&s, 1);
        for &p in &pkts {
            assert!(sim.deliver(p).v.decrypted);
        }
        assert_eq!(sim.records_ok(), lens.len() as u64);
    }
}

/// The smallest and the largest record lengths the device accepts (length field 24 and
/// `8 + 2^14 + 2048 + 16`) are decrypted.
#[test]
fn extreme_record_lengths_are_accepted() {
    let mut rng = Rng(0x1e7);
    let lens = [0, MAX_CT, 0, MAX_CT, 7];
    let s = Stream::build(rng.next_u64(), 32, 77, 0, &lens, true);
    assert_eq!(&s.wire[3..5], &24u16.to_be_bytes());
    assert_eq!(
        &s.wire[s.records[1].start + 3..][..2],
        &((8 + MAX_CT + TAG) as u16).to_be_bytes()
    );
    let pkts = cut(&mut rng, s.wire.len());
    let mut sim = Sim::new(&s, 2);
    for &p in &pkts {
        let e = sim.deliver(p);
        assert!(e.v.decrypted && !e.v.bad_header, "{e:?}");
    }
    assert_eq!(sim.records_ok(), lens.len() as u64);
}

/// Duplicates are skipped and change nothing: the rest of the stream is still decrypted.
#[test]
fn duplicates_pass_untouched() {
    let mut rng = Rng(0xd0b);
    for case in 0..6 {
        let s = random_stream(&mut rng, 20, 16, case % 2 == 1, 9, false);
        let mut pkts = cut(&mut rng, s.wire.len());
        let mut dups = 0;
        for _ in 0..1 + pkts.len() / 4 {
            let i = rng.below(pkts.len());
            let at = (i + 1 + rng.below(3)).min(pkts.len());
            let p = pkts[i];
            pkts.insert(at, p);
            dups += 1;
        }
        let mut sim = Sim::new(&s, case);
        let mut skipped = 0;
        for &p in &pkts {
            let e = sim.deliver(p);
            match e.start {
                Start::Process => assert!(e.v.decrypted, "case {case}: {e:?}"),
                Start::Skip(Skip::Duplicate) => skipped += 1,
                other => panic!("case {case}: {other:?}"),
            }
        }
        assert_eq!(skipped, dups, "case {case}");
        assert_eq!(sim.records_ok(), s.records.len() as u64, "case {case}");
        assert!(sim.rx.synced());
    }
}

/// A flipped bit in a record's ciphertext or tag fails that record (its last packet is not
/// decrypted), and only that record; the device keeps sync and decrypts again from the record
/// after the next one that authenticates.
#[test]
fn corruption_fails_the_altered_records_only() {
    let mut rng = Rng(0xc0ee);
    for case in 0..8 {
        let n = 24;
        let s = random_stream(&mut rng, n, [16, 32][case % 2], case % 3 == 0, 0, false);
        let pkts = match case % 4 {
            // Packets that end where records end.
            0 => s.per_record(),
            1 => cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(40)),
            _ => cut(&mut rng, s.wire.len()),
        };
        let mut sim = Sim::new(&s, case as u64);
        let k = 1 + rng.below(4);
        for _ in 0..k {
            sim.corrupt(rng.below(n));
        }
        let bad = sim.bad.iter().filter(|&&b| b).count() as u64;
        for &p in &pkts {
            assert_eq!(sim.deliver(p).start, Start::Process);
        }
        assert!(sim.rx.synced());
        assert_eq!(sim.auth_failed(), bad, "case {case}");
        assert_eq!(sim.records_ok(), n as u64 - bad, "case {case}");
        assert_eq!(sim.followed_bad, bad);
        sim.check_bad_records_failed();
        // Liveness: a packet whose records neither were altered nor follow an altered record is
        // decrypted.
        for e in &sim.log {
            let (a, b) = (s.rec_of(e.off), s.rec_of(e.off + e.len - 1));
            if (a.saturating_sub(1)..=b).all(|r| !sim.bad[r]) {
                assert!(e.v.decrypted, "case {case}: {e:?} records {a}..={b}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Losing and regaining sync.
// ---------------------------------------------------------------------------------------------

/// A loss (the packet comes again later) or a swap of two packets loses sync once; the kernel's
/// hint for the next record the device has not seen brings decryption back from the record
/// after it on.
#[test]
fn loss_and_reordering_resync_on_the_next_record_hint() {
    let mut rng = Rng(0x10e5);
    let mut checked = 0;
    for case in 0..16 {
        let n = 30;
        let key_len = [16, 32][case % 2];
        let s = random_stream(&mut rng, n, key_len, case % 4 == 0, 1, case % 3 == 0);
        let mut pkts = cut(&mut rng, s.wire.len());
        if pkts.len() < 6 {
            continue;
        }
        let i = 1 + rng.below(pkts.len() / 3);
        let reorder = case % 2 == 1;
        if reorder {
            pkts.swap(i, i + 1);
        } else {
            drop_and_retransmit(&mut pkts, i, 1 + rng.below(4));
        }
        let mut sim = Sim::new(&s, case as u64);
        let mut lost_at = None;
        let mut hint_rec = None;
        for (k, &p) in pkts.iter().enumerate() {
            let e = sim.deliver(p);
            match (lost_at, e.start) {
                (None, Start::Skip(Skip::Lost)) => {
                    assert_eq!(k, i, "case {case}");
                    assert!(!sim.rx.synced());
                    lost_at = Some(k);
                    hint_rec = sim.hint_next();
                }
                (None, _) => assert!(e.v.decrypted, "case {case}: {e:?}"),
                (Some(_), Start::Skip(Skip::Lost)) => panic!("case {case}: sync lost twice"),
                (Some(_), _) => {}
            }
        }
        let lost_at = lost_at.expect("no loss seen");
        let Some(r) = hint_rec else { continue };
        let at = sim.check_resumed_at(r, case);
        // Out of sync in between, then never again.
        for e in &sim.log[lost_at + 1..at] {
            assert_eq!(e.start, Start::Skip(Skip::OutOfSync), "case {case}");
        }
        for e in &sim.log[at..] {
            assert!(
                matches!(e.start, Start::Process | Start::Skip(Skip::Duplicate)),
                "case {case}: {e:?}"
            );
        }
        assert!(sim.rx.synced());
        assert_eq!(sim.records_ok_from(at), (n - r) as u64, "case {case}");
        assert_eq!(sim.auth_failed(), 0);
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} cases checked");
}

/// Hints are taken at record boundaries, also at a packet's first byte: one packet per record.
#[test]
fn resync_at_the_first_byte_of_a_packet() {
    let mut rng = Rng(0xb0b);
    let lens = random_lens(&mut rng, 12);
    let s = Stream::build(rng.next_u64(), 16, u32::MAX - 3, 100, &lens, false);
    let mut pkts = s.per_record();
    pkts.remove(3);
    let mut sim = Sim::new(&s, 3);
    for (k, &p) in pkts.iter().enumerate() {
        let e = sim.deliver(p);
        if k == 3 {
            assert_eq!(e.start, Start::Skip(Skip::Lost));
            sim.hint_record(5);
        }
        if k == 4 {
            assert!(e.v.resumed && e.v.records_ok == 1, "{e:?}");
        }
        if k > 4 {
            assert!(e.v.decrypted, "{e:?}");
        }
    }
    assert_eq!(sim.records_ok(), 3 + 7);
}

/// A hint for a record already passed is ignored, in sync and out of sync.
#[test]
fn stale_hints_are_ignored() {
    let mut rng = Rng(0x57a1e);
    for case in 0..8 {
        let n = 30;
        let s = random_stream(&mut rng, n, 32, case % 2 == 0, 0, false);
        let mut pkts = cut(&mut rng, s.wire.len());
        if pkts.len() < 8 {
            continue;
        }

        // In sync: nothing changes.
        let mut sim = Sim::new(&s, 1);
        for &p in &pkts {
            if sim.seen_end > 0 && rng.below(3) == 0 {
                let r = s.rec_of(sim.seen_end - 1);
                let r = rng.below(r + 1);
                sim.hint_record(r);
            }
            let e = sim.deliver(p);
            assert!(e.v.decrypted && !e.v.resumed, "case {case}: {e:?}");
        }
        assert_eq!(sim.records_ok(), n as u64);

        // Out of sync: a hint for a record already offered stays unused, the next one works.
        let i = 2 + rng.below(pkts.len() / 3);
        let dropped = pkts[i].0;
        drop_and_retransmit(&mut pkts, i, 1 + rng.below(3));
        let mut sim = Sim::new(&s, 2);
        let mut stale_given = None;
        let mut good = None;
        for (k, &p) in pkts.iter().enumerate() {
            let e = sim.deliver(p);
            if e.start == Start::Skip(Skip::Lost) {
                let r = s.rec_of(dropped - 1);
                if s.records[r].start < dropped {
                    sim.hint_record(rng.below(r + 1));
                    stale_given = Some(k);
                }
            }
            if let Some(g) = stale_given {
                if good.is_none() && k >= g + 3 {
                    assert!(
                        sim.resumed().is_empty(),
                        "case {case}: resumed on a stale hint"
                    );
                    assert!(!sim.rx.synced());
                    good = sim.hint_next();
                }
            }
        }
        if let (Some(_), Some(r)) = (stale_given, good) {
            let resumed = sim.resumed();
            assert_eq!(resumed.len(), 1, "case {case}");
            let ok_after = sim.records_ok_from(resumed[0]);
            assert_eq!(ok_after, (n - r) as u64, "case {case}");
        }
    }
}

/// A hint for a record whose header went by while the device was out of sync (the kernel's hint
/// raced the frames still on their way to the socket) is followed record by record through the
/// headers the device saw, to the first record still ahead: decryption resumes there.
#[test]
fn stale_hint_is_followed_through_seen_headers() {
    let mut rng = Rng(0xf011);
    let mut checked = 0;
    for case in 0..12 {
        let n = 40;
        let s = random_stream(&mut rng, n, 16, case % 2 == 0, 7, false);
        let mut pkts = cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(6000));
        if pkts.len() < 20 {
            continue;
        }
        let i = 2 + rng.below(pkts.len() / 4);
        drop_and_retransmit(&mut pkts, i, 1);
        let mut sim = Sim::new(&s, 9);
        let mut hinted = false;
        let mut lost_at = None;
        for (k, &p) in pkts.iter().enumerate() {
            let e = sim.deliver(p);
            if e.start == Start::Skip(Skip::Lost) {
                lost_at = Some(k);
            }
            // A few frames after the loss, the kernel names a record that starts after the
            // retransmitted gap and whose header the device already passed.
            if let Some(l) = lost_at {
                if !hinted && k >= l + 4 && sim.seen_end > 0 {
                    let last = s.rec_of(sim.seen_end - 1);
                    let first = s.rec_of(pkts[l].0);
                    if last > first + 1 {
                        sim.hint_record(first + 1);
                        hinted = true;
                    }
                }
            }
        }
        if !hinted {
            continue;
        }
        let resumed = sim.resumed();
        assert_eq!(resumed.len(), 1, "case {case}: stale hint not followed");
        assert!(sim.records_ok_from(resumed[0]) > 0, "case {case}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} cases checked");
}

/// The kernel's other form of hint, `(start of a record, its number + 1)` (sent right after a
/// record that was not decrypted, while it still sits in the socket's queue): the record at the
/// hint authenticates under the other number, the device goes on with it, and the records after
/// it are decrypted.
#[test]
fn hint_with_the_next_record_number_is_corrected() {
    let mut rng = Rng(0xa17);
    let mut checked = 0;
    for case in 0..10 {
        let n = 30;
        let s = random_stream(&mut rng, n, 32, case % 2 == 1, 100, false);
        let mut pkts = cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(5000));
        if pkts.len() < 12 {
            continue;
        }
        let i = 1 + rng.below(pkts.len() / 4);
        drop_and_retransmit(&mut pkts, i, 1);
        let mut sim = Sim::new(&s, 3);
        let mut hinted = false;
        for &p in &pkts {
            let e = sim.deliver(p);
            if !hinted && e.start == Start::Skip(Skip::Lost) {
                if let Some(r) = sim.next_unseen() {
                    let mut h = s.hint(r);
                    h.rcd_sn += 1;
                    sim.rx.resync(h);
                    sim.hint_off = Some(s.records[r].start);
                    hinted = true;
                }
            }
        }
        if !hinted {
            continue;
        }
        let resumed = sim.resumed();
        assert_eq!(resumed.len(), 1, "case {case}");
        assert!(sim.records_ok_from(resumed[0]) > 0, "case {case}");
        assert_eq!(sim.auth_failed(), 0, "case {case}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} cases checked");
}

/// A hint whose packet is lost is discarded: the retransmission of that packet does not resume,
/// the device stays out of sync until the kernel's next hint.
#[test]
fn hint_in_a_lost_packet_is_discarded() {
    let mut rng = Rng(0xd15c);
    let mut checked = 0;
    for case in 0..10 {
        let s = random_stream(&mut rng, 30, 16, case % 2 == 1, 3, false);
        let mut pkts = cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(3000));
        let i = 1 + rng.below(pkts.len() / 4);
        drop_and_retransmit(&mut pkts, i, 1 + rng.below(3));
        let mut sim = Sim::new(&s, case);
        let mut first_hint = None;
        let mut retransmit: Option<Pkt> = None;
        let mut second_hint = None;
        let mut k = 0;
        while k < pkts.len() {
            let e = sim.deliver(pkts[k]);
            if first_hint.is_none() && e.start == Start::Skip(Skip::Lost) {
                let Some(r) = sim.hint_next() else { break };
                first_hint = Some((k, r));
                // The packet with the hinted header is lost too and comes again two packets on.
                let h = s.records[r].start;
                let p = k + 1 + pkts[k + 1..].iter().position(|&p| holds(p, h)).unwrap();
                if p + 1 >= pkts.len() {
                    break;
                }
                retransmit = Some(pkts[p]);
                drop_and_retransmit(&mut pkts, p, 2);
            } else if let (Some((fk, _)), Some(rp)) = (first_hint, retransmit) {
                if second_hint.is_none() && e.pkt() == rp && k > fk {
                    assert_eq!(e.start, Start::Skip(Skip::OutOfSync), "case {case}");
                    assert!(sim.resumed().is_empty(), "case {case}");
                    assert!(!sim.rx.synced());
                    second_hint = sim.hint_next().map(|r| (k, r));
                }
            }
            k += 1;
        }
        let (Some((fk, _)), Some((sk, r))) = (first_hint, second_hint) else {
            continue;
        };
        for e in &sim.log[fk + 1..=sk] {
            assert_eq!(e.start, Start::Skip(Skip::OutOfSync), "case {case}");
        }
        sim.check_resumed_at(r, case as usize);
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} cases checked");
}

// ---------------------------------------------------------------------------------------------
// Hints while in sync.
// ---------------------------------------------------------------------------------------------

/// A hint at the device's own record boundary (with the right record number) changes nothing.
#[test]
fn hint_at_the_own_boundary_changes_nothing() {
    let mut rng = Rng(0x0b0d);
    for case in 0..6 {
        let n = 25;
        let s = random_stream(&mut rng, n, 16, case % 2 == 0, 40, true);
        let pkts = cut(&mut rng, s.wire.len());
        let mut sim = Sim::new(&s, 4);
        for &p in &pkts {
            if rng.below(2) == 0 {
                if let Some(r) = sim.next_unseen() {
                    let r = (r + rng.below(3)).min(n - 1);
                    sim.hint_record(r);
                }
            }
            let e = sim.deliver(p);
            assert!(e.v.decrypted && !e.v.resumed, "case {case}: {e:?}");
        }
        assert_eq!(sim.records_ok(), n as u64);
    }
}

/// A device with the wrong record number fails every tag but never delivers wrong bytes; the
/// kernel's hint at a boundary brings the right number, and decryption back.
#[test]
fn hint_repairs_a_wrong_record_number() {
    let mut rng = Rng(0x5eb);
    for case in 0..6 {
        let n = 20;
        let s = random_stream(&mut rng, n, 32, case % 2 == 0, 1000, false);
        let pkts = cut(&mut rng, s.wire.len());
        let mut sim = Sim::with_device_sn(&s, 5, 1000 + 1 + rng.below(5) as u64);
        let mut hinted = None;
        for &p in &pkts {
            if hinted.is_none() && sim.seen_end > s.wire.len() / 3 {
                let at = sim.log.len();
                hinted = sim.hint_next().map(|r| (at, r));
            }
            sim.deliver(p);
        }
        assert!(sim.rx.synced());
        let Some((at, r)) = hinted else { continue };
        assert_eq!(sim.auth_failed(), r as u64, "case {case}");
        assert_eq!(sim.records_ok(), (n - r) as u64, "case {case}");
        sim.check_decrypted_from(at, r + 1);
    }
}

/// After the device lost sync, the test plays the kernel: it hints the next record the device
/// has not been offered, unless the latest hint is still ahead.
fn kernel_hint(sim: &mut Sim) {
    if !sim.rx.synced() && sim.hint_passed() {
        sim.hint_next();
    }
}

/// Offers `pkts` to the device in turn, playing the kernel after each ([`kernel_hint`]).
fn deliver_with_kernel_hints(sim: &mut Sim, pkts: &[Pkt]) {
    for &p in pkts {
        sim.deliver(p);
        kernel_hint(sim);
    }
}

/// A hint in sync that is not at the device's boundary makes the device re-anchor there, and
/// never deliver wrong plaintext, whatever the bytes at the hint look like. The kernel's true
/// hint afterwards brings decryption back.
#[test]
fn wrong_hint_in_sync_never_yields_wrong_plaintext() {
    let mut rng = Rng(0x3b0d);
    let mut checked = 0;
    for case in 0..40 {
        let n = 16;
        let lens: Vec<usize> = (0..n)
            .map(|_| {
                if rng.below(3) == 0 {
                    fake_header_len(&mut rng)
                } else {
                    random_pt_len(&mut rng)
                }
            })
            .collect();
        let s = stream_of(&mut rng, &lens, [16, 32][case % 2], case % 5 == 0, 0, false);
        let pkts = cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(2000));
        let mut sim = Sim::new(&s, case as u64);
        let at = rng.below(pkts.len() / 2 + 1);
        let mut wrong = None;
        let mut passed = None;
        let mut true_hint = false;
        for (k, &p) in pkts.iter().enumerate() {
            if k == at {
                if let Some(r) = sim.next_unseen() {
                    let rec = s.records[r];
                    let delta = match rng.below(4) {
                        0 => 1,
                        1 => 2,
                        _ => 1 + rng.below(rec.end - rec.start - 1),
                    };
                    let sn = if rng.below(2) == 0 {
                        rec.sn
                    } else {
                        rng.next_u64()
                    };
                    sim.hint_garbage(Hint {
                        seq: s.seq(rec.start + delta),
                        rcd_sn: sn,
                    });
                    wrong = Some(rec.start + delta);
                }
            }
            if passed.is_none() && wrong.is_some_and(|w| sim.seen_end > w) {
                passed = Some(k);
            }
            // The kernel notices within a few packets that records stopped being decrypted; if
            // the device is still in sync (on a wrong boundary), the hint re-anchors it.
            if !true_hint && passed.is_some_and(|i| k >= i + 3) && sim.rx.synced() {
                true_hint = sim.hint_next().is_some();
            }
            sim.deliver(p);
            kernel_hint(&mut sim);
        }
        // Decryption came back: the last packet is decrypted, unless the stream ended too soon
        // after the wrong hint.
        let last = sim.log.last().unwrap();
        if passed.is_some_and(|i| i + 30 < pkts.len()) {
            assert!(last.v.decrypted, "case {case}: {last:?}");
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} cases checked");
}

/// The device is told (while out of sync, at a packet's first byte, or while in sync) that a
/// record starts one byte after a real header whose bytes read `03 03 03 10 00`: a valid header
/// for a 4096-byte record that is not there. It must not deliver the garbage it decrypts from
/// it.
#[test]
fn hint_at_a_fake_header_never_yields_wrong_plaintext() {
    let mut rng = Rng(0xfa4e);
    for scenario in 0..3 {
        let lens = lens_with_fake_header(&mut rng, 12, 1000);
        let s = Stream::build(rng.next_u64(), 16, u32::MAX - 5000, 0, &lens, false);
        let fake = fake_header_at(&s);
        // Small packets, one of them starting at the fake header.
        let split = if scenario == 1 { fake + 7 } else { fake };
        let mut pkts = cut_with(&mut rng, 0, split, |_| 200);
        pkts.extend(cut_with(&mut rng, split, s.wire.len(), |_| 200));
        let hint = Hint {
            seq: s.seq(fake),
            rcd_sn: s.records[4].sn,
        };
        let mut sim = Sim::new(&s, 6);
        if scenario == 2 {
            sim.hint_garbage(hint);
        } else {
            // Out of sync: a packet before record 4 is lost for good.
            pkts.remove(3);
        }
        for &p in &pkts {
            let e = sim.deliver(p);
            if e.start == Start::Skip(Skip::Lost) {
                sim.hint_garbage(hint);
            } else {
                kernel_hint(&mut sim);
            }
        }
        if scenario != 2 {
            assert_eq!(
                sim.resumed().len(),
                2,
                "scenario {scenario}: fake, then true"
            );
        }
        // The true hint put the device back on the records.
        assert!(sim.log.last().unwrap().v.decrypted, "scenario {scenario}");
    }
}

/// A record whose length field was altered on the way (here one byte too long, a valid length)
/// fails its tag, and the boundary that length gives is not trusted: there, one byte into the
/// next record, `03 03 03 10 00` reads as a valid header, but the "record" it starts is only
/// checked, never delivered decrypted. (The packet holding the altered record's real end also
/// holds the end the device computes, so that its failed tag covers it: a packet between the two
/// would carry bytes the device cannot know are not ciphertext, which no device can catch.)
#[test]
fn altered_length_field_never_yields_wrong_plaintext() {
    let mut rng = Rng(0x1e2);
    for case in 0..4 {
        let lens = lens_with_fake_header(&mut rng, 10, 500);
        let s = stream_of(&mut rng, &lens, [16, 32][case % 2], case < 2, 0, false);
        let (r3, from) = (s.records[3], fake_header_at(&s));
        let mut sim = Sim::new(&s, 9);
        let len = (r3.end - r3.start - 5 + 1) as u16;
        sim.set_header(3, [3, 3, len.to_be_bytes()[0], len.to_be_bytes()[1]]);
        let size = [1, 7, 200, 1448][case];
        let mut pkts = cut_with(&mut rng, 0, r3.end - TAG, |rng| 1 + rng.below(1500));
        pkts.push((r3.end - TAG, TAG + 1));
        pkts.extend(
            (from..s.wire.len())
                .step_by(size)
                .map(|o| (o, size.min(s.wire.len() - o))),
        );
        deliver_with_kernel_hints(&mut sim, &pkts);
        // Record 3 failed, then the 4096-byte "record" one byte into record 4; the header after
        // it is garbage. The kernel's hint then brings decryption back.
        assert_eq!(sim.auth_failed(), 2, "case {case}");
        assert_eq!(
            sim.log.iter().filter(|e| e.v.bad_header).count(),
            1,
            "case {case}"
        );
        assert_eq!(sim.resumed().len(), 1, "case {case}");
        assert!(sim.log.last().unwrap().v.decrypted, "case {case}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bad headers.
// ---------------------------------------------------------------------------------------------

/// A header that cannot be a TLS 1.2 record header (version not 3,3, length below 24 or above
/// `8 + 2^14 + 2048 + 16`) loses sync in the packet holding its fifth byte.
#[test]
fn bad_header_loses_sync() {
    let mut rng = Rng(0xbad);
    let max = (8 + MAX_CT + TAG) as u16;
    let headers: [[u8; 4]; 9] = [
        [3, 1, 0, 100],
        [3, 4, 0, 100],
        [2, 3, 0, 100],
        [0, 0, 0, 100],
        [3, 3, 0, 23],
        [3, 3, 0, 0],
        [3, 3, (max + 1).to_be_bytes()[0], (max + 1).to_be_bytes()[1]],
        [3, 3, 0xff, 0xff],
        [0x17, 3, 3, 0],
    ];
    for (case, hdr) in headers.iter().enumerate() {
        for round in 0..3 {
            let n = 12;
            let s = random_stream(&mut rng, n, 16, round == 0, 0, false);
            let pkts = match round {
                2 => cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(6)),
                _ => cut(&mut rng, s.wire.len()),
            };
            let r = 1 + rng.below(n - 2);
            let mut sim = Sim::new(&s, 7);
            sim.set_header(r, *hdr);
            let fifth = s.records[r].start + 4;
            let mut seen = None;
            for (k, &p) in pkts.iter().enumerate() {
                let e = sim.deliver(p);
                match seen {
                    None if holds(e.pkt(), fifth) => {
                        assert!(e.v.bad_header && !e.v.decrypted, "case {case}: {e:?}");
                        assert!(!sim.rx.synced());
                        seen = Some(k);
                    }
                    None => assert!(e.v.decrypted && !e.v.bad_header, "case {case}: {e:?}"),
                    Some(_) => assert_eq!(e.start, Start::Skip(Skip::OutOfSync), "case {case}"),
                }
            }
            assert!(seen.is_some());
            assert_eq!(sim.records_ok(), r as u64, "case {case}");
            assert_eq!(sim.auth_failed(), 0);
        }
    }
}

/// After a bad header, the next record's hint brings decryption back.
#[test]
fn bad_header_then_hint_resumes() {
    let mut rng = Rng(0xbad2);
    let lens = random_lens(&mut rng, 16);
    let s = Stream::build(rng.next_u64(), 32, u32::MAX - 100, 0, &lens, false);
    let pkts = cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(3000));
    let mut sim = Sim::new(&s, 8);
    sim.set_header(3, [3, 2, 0, 50]);
    deliver_with_kernel_hints(&mut sim, &pkts);
    let resumed = sim.resumed();
    assert_eq!(resumed.len(), 1);
    assert!(sim.rx.synced());
    assert!(sim.records_ok() > 3);
}

// ---------------------------------------------------------------------------------------------
// Fuzz.
// ---------------------------------------------------------------------------------------------

/// A random hint: the kernel's (next unseen record), a stale one, or garbage. `upcoming` are
/// the packets still to come.
fn random_hint(sim: &mut Sim, rng: &mut Rng, truthful: bool, upcoming: &[Pkt]) {
    let s = sim.s;
    let n = s.records.len();
    let kinds = if truthful { 2 } else { 9 };
    match rng.below(kinds) {
        0 => {
            sim.hint_next();
        }
        1 => sim.hint_record(rng.below(n)),
        2 => sim.hint_garbage(Hint {
            seq: rng.next_u64() as u32,
            rcd_sn: rng.next_u64(),
        }),
        3 => {
            let at = rng.below(s.wire.len());
            let sn = s.records[s.rec_of(at)].sn;
            sim.hint_garbage(Hint {
                seq: s.seq(at),
                rcd_sn: sn,
            });
        }
        4 | 5 => {
            // Close to a real boundary.
            let r = sim.next_unseen().unwrap_or(rng.below(n));
            let at = (s.records[r].start + 1 + rng.below(16)).min(s.wire.len() - 1);
            sim.hint_garbage(Hint {
                seq: s.seq(at),
                rcd_sn: s.records[r].sn.wrapping_add(rng.below(2) as u64),
            });
        }
        6 | 7 => {
            // The first byte of a packet soon to come, where a kernel's hint would be.
            let at = upcoming[rng.below(upcoming.len().min(4))].0;
            sim.hint_garbage(Hint {
                seq: s.seq(at),
                rcd_sn: s.records[s.rec_of(at)].sn,
            });
        }
        _ => {
            // A true boundary with a wrong record number.
            let r = rng.below(n);
            sim.hint_garbage(Hint {
                seq: s.seq(s.records[r].start),
                rcd_sn: s.records[r].sn ^ (1 + rng.below(7) as u64),
            });
        }
    }
}

/// Random streams, random faults, random hints: a decrypted packet is never wrong, and nothing
/// panics. With truthful hints only, every altered record the device followed failed.
#[test]
fn fuzz_faults_and_hints() {
    let mut rng = Rng(0xf022);
    let mut stats = [0u64; 4];
    for case in 0..200 {
        let n = 1 + rng.below(14);
        let lens: Vec<usize> = (0..n)
            .map(|_| match rng.below(6) {
                0 => fake_header_len(&mut rng),
                1 | 2 => rng.below(300),
                _ => random_pt_len(&mut rng),
            })
            .collect();
        let random_nonce = rng.below(3) == 0;
        let seq0 = match rng.below(3) {
            0 => start_seq(&mut rng, true),
            1 => rng.below(1000) as u32,
            _ => rng.next_u64() as u32,
        };
        let s = Stream::build(
            rng.next_u64(),
            [16, 32][rng.below(2)],
            seq0,
            rng.next_u64() >> rng.below(64),
            &lens,
            random_nonce,
        );
        let mut pkts = match rng.below(3) {
            0 => cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(64)),
            _ => cut(&mut rng, s.wire.len()),
        };
        let truthful = case % 2 == 0;
        let mut sim = Sim::new(&s, rng.next_u64());

        for _ in 0..rng.below(3) {
            sim.corrupt(rng.below(n));
        }
        if rng.below(8) == 0 {
            let r = rng.below(n);
            sim.set_header(r, [3, 3 ^ (1 + rng.below(3)) as u8, 0, 50]);
        }
        for _ in 0..rng.below(5) {
            if pkts.len() < 2 {
                break;
            }
            let i = rng.below(pkts.len() - 1);
            match rng.below(4) {
                0 => drop_and_retransmit(&mut pkts, i, 1 + rng.below(4)),
                1 => {
                    let p = pkts[i];
                    pkts.insert(i + 1 + rng.below(2), p);
                }
                2 => pkts.swap(i, i + 1),
                _ => {
                    // Lost, then retransmitted together with the next packet.
                    let (a, b) = (pkts[i], pkts[i + 1]);
                    if a.0 + a.1 == b.0 {
                        pkts.remove(i);
                        let at = (i + 1 + rng.below(3)).min(pkts.len());
                        pkts.insert(at, (a.0, a.1 + b.1));
                    }
                }
            }
        }

        for (k, &p) in pkts.iter().enumerate() {
            if rng.below(6) == 0 || (!sim.rx.synced() && rng.below(2) == 0) {
                random_hint(&mut sim, &mut rng, truthful, &pkts[k..]);
            }
            sim.deliver(p);
        }
        if truthful {
            sim.check_bad_records_failed();
        }
        stats[0] += sim.log.iter().filter(|e| e.v.decrypted).count() as u64;
        stats[1] += sim.resumed().len() as u64;
        stats[2] += sim.auth_failed();
        stats[3] += sim.log.iter().filter(|e| e.v.bad_header).count() as u64;
    }
    // The fuzz reached the interesting states.
    assert!(stats.iter().all(|&x| x > 20), "{stats:?}");
}

// ---------------------------------------------------------------------------------------------
// The driver-request modes, against a model of the kernel's side.
// ---------------------------------------------------------------------------------------------

/// `TLS_DEVICE_RESYNC_ASYNC_LOGMAX`.
const LOGMAX: usize = 13;

/// 6.12's TLS core as the driver-request modes see it, transcribed from `net/tls/tls_device.c`
/// (`tls_device_rx_resync_new_rec`, `tls_device_rx_resync_async`) and `include/net/tls.h` (the
/// request helpers), with TCP's in-order delivery to the record parser (`tls_rx_msg_size` calls
/// `tls_device_rx_resync_new_rec` for each header, with the header's sequence number and the
/// number of the record being parsed).
struct Core {
    mode: Mode,
    /// `resync_req`, or `resync_async->req`.
    req: u64,
    loglen: usize,
    rcd_delta: u16,
    log: [u32; LOGMAX],
    /// Bytes TCP received; the first byte not received yet.
    got: Vec<bool>,
    rcv_nxt: usize,
    /// The next record whose header the parser has not parsed.
    next_rec: usize,
    /// The `WARN_ON_ONCE` of an asynchronous window whose `rcd_delta` would wrap.
    warned: bool,
    /// Confirmations of an asynchronous window found in the log with records counted since.
    log_hits: u32,
}

impl Core {
    fn new(mode: Mode, s: &Stream) -> Self {
        Core {
            mode,
            req: 0,
            loglen: 0,
            rcd_delta: 0,
            log: [0; LOGMAX],
            got: vec![false; s.wire.len()],
            rcv_nxt: 0,
            next_rec: 0,
            warned: false,
            log_hits: 0,
        }
    }

    /// The device calls a request helper.
    fn ask(&mut self, ask: Ask) {
        const REQ: u64 = 1;
        const ASYNC: u64 = 2;
        match ask {
            Ask::Request { seq } => self.req = (u64::from(seq) << 32) | REQ,
            Ask::AsyncStart { seq, len } => {
                self.req = (u64::from(seq) << 32) | (u64::from(len) << 16) | REQ | ASYNC;
                self.loglen = 0;
                self.rcd_delta = 0;
            }
            Ask::AsyncEnd { seq } => self.req = (u64::from(seq) << 32) | REQ,
            Ask::AsyncCancel => self.req = 0,
        }
    }

    /// Packet `(off, len)` reaches the socket; returns the `tls_dev_resync` calls (`seq`,
    /// record number) the record parser makes.
    fn receive(&mut self, s: &Stream, (off, len): Pkt) -> Vec<(u32, u64)> {
        self.got[off..off + len].fill(true);
        while self.rcv_nxt < self.got.len() && self.got[self.rcv_nxt] {
            self.rcv_nxt += 1;
        }
        let mut calls = Vec::new();
        while self.next_rec < s.records.len()
            && s.records[self.next_rec].start + PREPEND <= self.rcv_nxt
        {
            let r = s.records[self.next_rec];
            self.next_rec += 1;
            calls.extend(self.new_rec(s.seq(r.start), r.sn));
        }
        calls
    }

    fn new_rec(&mut self, seq: u32, rcd_sn: u64) -> Option<(u32, u64)> {
        let req = self.req;
        let req_seq = (req >> 32) as u32;
        match self.mode {
            Mode::NextHint => None,
            Mode::DriverReq => {
                let seq = seq.wrapping_add(5 - 1);
                if req == 0 || req_seq != seq {
                    return None;
                }
                self.req = 0;
                Some((seq, rcd_sn))
            }
            Mode::DriverReqAsync => {
                if req == 0 {
                    return None;
                }
                if req & 2 != 0 {
                    let req_end = req_seq.wrapping_add(((req >> 16) & 0xffff) as u32);
                    if self.rcd_delta == u16::MAX {
                        self.warned = true;
                        self.req = 0;
                        return None;
                    }
                    if (seq.wrapping_sub(req_seq) as i32) < 0 {
                        return None;
                    }
                    if (seq.wrapping_sub(req_end) as i32) <= 0 && self.loglen < LOGMAX {
                        self.log[self.loglen] = seq;
                        self.loglen += 1;
                    }
                    self.rcd_delta += 1;
                    return None;
                }
                for i in 0..self.loglen {
                    if req_seq == self.log[i] {
                        let delta = u64::from(self.rcd_delta) - i as u64;
                        self.log_hits += u32::from(delta > 0);
                        self.loglen = 0;
                        self.rcd_delta = 0;
                        self.req = 0;
                        return Some((req_seq, rcd_sn.wrapping_sub(delta)));
                    }
                }
                self.loglen = 0;
                self.rcd_delta = 0;
                if req_seq == seq {
                    self.req = 0;
                    return Some((seq, rcd_sn));
                }
                None
            }
        }
    }
}

/// Offers `pkts` to a device in `mode` and plays the kernel's side ([`Core`]): after each
/// packet, the device asks what its [`Requester`] says, then the packet reaches the socket and
/// the parser confirms what matches. Returns the device and the number of confirmations.
fn deliver_with_requests<'a>(sim: &mut Sim<'a>, core: &mut Core, pkts: &[Pkt]) -> (Requester, u32) {
    let mut req = Requester::new(core.mode);
    let mut confirmed = 0;
    for &p in pkts {
        let e = sim.deliver(p);
        let ask = match e.start {
            Start::Skip(Skip::Lost | Skip::OutOfSync) => {
                req.out_of_sync(sim.s.seq(p.0), p.1 as u32, sim.candidate)
            }
            Start::Process if sim.rx.synced() => req.in_sync(),
            _ => None,
        };
        if let Some(a) = ask {
            core.ask(a);
        }
        for (seq, sn) in core.receive(sim.s, p) {
            req.confirmed();
            confirmed += 1;
            sim.hint_kernel(core.mode.hint(seq, sn));
        }
    }
    (req, confirmed)
}

/// In both driver-request modes, a loss, a reordering or a duplicate is followed by the device
/// asking about a header it saw, the kernel confirming it with the right record number, and
/// decryption resuming; nothing wrong is ever marked decrypted, and the kernel's asynchronous
/// window never runs into its record limit.
#[test]
fn driver_requests_resync_after_loss_and_reordering() {
    for mode in [Mode::DriverReq, Mode::DriverReqAsync] {
        let mut rng = Rng(0xd21e + mode as u64);
        let mut resumed_cases = 0;
        for case in 0..24 {
            let n = 40;
            let key_len = [16, 32][case % 2];
            let s = random_stream(&mut rng, n, key_len, case % 4 == 0, 5, case % 3 == 0);
            let mut pkts = cut(&mut rng, s.wire.len());
            if pkts.len() < 8 {
                continue;
            }
            let i = 1 + rng.below(pkts.len() / 3);
            match case % 3 {
                0 => drop_and_retransmit(&mut pkts, i, 1 + rng.below(4)),
                1 => pkts.swap(i, i + 1),
                _ => {
                    let p = pkts[i];
                    pkts.insert(i + 1 + rng.below(2), p);
                }
            }
            let mut sim = Sim::new(&s, case as u64);
            let mut core = Core::new(mode, &s);
            let (_, confirmed) = deliver_with_requests(&mut sim, &mut core, &pkts);
            assert!(!core.warned, "{mode:?} case {case}");
            let resumed = sim.resumed();
            let lost = sim.log.iter().any(|e| e.start == Start::Skip(Skip::Lost));
            if case % 3 == 2 {
                // A duplicate does not interrupt the stream.
                assert!(!lost && resumed.is_empty(), "{mode:?} case {case}");
                continue;
            }
            assert!(lost, "{mode:?} case {case}");
            if resumed.is_empty() {
                // Possible only if no header followed the loss in time.
                let last_lost = sim
                    .log
                    .iter()
                    .rposition(|e| e.start == Start::Skip(Skip::Lost))
                    .unwrap();
                let from = s.rec_of(sim.log[last_lost].off);
                assert!(
                    from + 4 >= n,
                    "{mode:?} case {case}: never resumed ({confirmed} confirmations)"
                );
                continue;
            }
            assert!(confirmed >= 1, "{mode:?} case {case}");
            assert!(sim.rx.synced(), "{mode:?} case {case}");
            // From the record after the one on probation, everything is decrypted.
            let at = resumed[0];
            let e = sim.log[at];
            sim.check_decrypted_from(at + 1, s.rec_of(e.off + e.len - 1) + 1);
            assert_eq!(sim.auth_failed(), 0, "{mode:?} case {case}");
            resumed_cases += 1;
        }
        assert!(
            resumed_cases >= 15,
            "{mode:?}: only {resumed_cases} cases resumed"
        );
    }
}

/// Random streams, faults and altered records in both driver-request modes: a packet marked
/// decrypted is never wrong, every altered record the device followed failed, the kernel's
/// asynchronous window never runs into its record limit, and some windows are confirmed from
/// the kernel's log with records counted since (`rcd_delta` taken off).
#[test]
fn fuzz_driver_requests() {
    let mut rng = Rng(0xf0d2);
    let mut resumed = [0u64; 2];
    let mut log_hits = 0;
    for case in 0..100 {
        let mode = [Mode::DriverReq, Mode::DriverReqAsync][case % 2];
        let n = 1 + rng.below(24);
        let lens: Vec<usize> = (0..n)
            .map(|_| match rng.below(6) {
                0 => fake_header_len(&mut rng),
                1 | 2 => rng.below(300),
                _ => random_pt_len(&mut rng),
            })
            .collect();
        let (key_len, near_wrap) = ([16, 32][rng.below(2)], rng.below(3) == 0);
        let (first_sn, random_nonce) = (rng.next_u64() >> rng.below(64), rng.below(3) == 0);
        let s = stream_of(&mut rng, &lens, key_len, near_wrap, first_sn, random_nonce);
        let mut pkts = match rng.below(3) {
            0 => cut_with(&mut rng, 0, s.wire.len(), |rng| 1 + rng.below(64)),
            _ => cut(&mut rng, s.wire.len()),
        };
        let mut sim = Sim::new(&s, rng.next_u64());
        for _ in 0..rng.below(3) {
            sim.corrupt(rng.below(n));
        }
        for _ in 0..rng.below(5) {
            if pkts.len() < 2 {
                break;
            }
            let i = rng.below(pkts.len() - 1);
            match rng.below(3) {
                0 => drop_and_retransmit(&mut pkts, i, 1 + rng.below(4)),
                1 => {
                    let p = pkts[i];
                    pkts.insert(i + 1 + rng.below(2), p);
                }
                _ => pkts.swap(i, i + 1),
            }
        }
        let mut core = Core::new(mode, &s);
        deliver_with_requests(&mut sim, &mut core, &pkts);
        assert!(!core.warned, "case {case}");
        sim.check_bad_records_failed();
        resumed[case % 2] += sim.resumed().len() as u64;
        log_hits += core.log_hits;
    }
    assert!(resumed.iter().all(|&x| x > 10), "{resumed:?}");
    // The asynchronous confirmations include the kernel's log branch (the header found among
    // those it logged in the window, records counted since taken off the record number), not
    // only its direct match at the record being parsed.
    assert!(log_hits > 0, "no confirmation from the kernel's log");
}
