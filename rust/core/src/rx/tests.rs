// SPDX-License-Identifier: GPL-2.0

//! Unit tests of [`super::RxStream`] with a toy engine (the oracle tests are in `tests/rx_oracle.rs`).

use super::*;

/// A test engine whose "cipher" adds 1 to every byte and whose tag is the byte sum.
struct Toy;

impl Opener for Toy {
    type State = u8;
    fn begin(&mut self, _: &[u8; 12], _: &[u8; 13]) -> u8 {
        0
    }
    fn decrypt(&mut self, s: &mut u8, data: &mut [u8]) {
        for b in data {
            *s = s.wrapping_add(*b);
            *b = b.wrapping_add(1);
        }
    }
    fn authenticate(&mut self, s: &mut u8, data: &[u8]) {
        for b in data {
            *s = s.wrapping_add(*b);
        }
    }
    fn verify(&mut self, s: u8, tag: &[u8; 16]) -> bool {
        tag[0] == s
    }
}

/// A toy record in a fixed buffer (the unit tests run without an allocator).
struct Rec {
    buf: [u8; 64],
    len: usize,
}

fn record(payload: &[u8]) -> Rec {
    let mut buf = [0u8; 64];
    let len = 13 + payload.len() + 16;
    buf[0] = 23;
    buf[1] = 3;
    buf[2] = 3;
    buf[3..5].copy_from_slice(&((len - 5) as u16).to_be_bytes());
    buf[13..13 + payload.len()].copy_from_slice(payload);
    buf[13 + payload.len()] = payload.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    Rec { buf, len }
}

fn run(rx: &mut RxStream<u8>, seq: u32, data: &mut [u8]) -> Option<Verdict> {
    match rx.begin(seq, data.len() as u32) {
        Start::Process => {
            rx.feed(&mut Toy, &[0; 4], data);
            Some(rx.end())
        }
        Start::Skip(_) => None,
    }
}

#[test]
fn whole_records_in_one_packet() {
    let r = record(&[1, 2, 3]);
    let mut rx = RxStream::new(100, 0);
    let mut pkt = r.buf;
    let v = run(&mut rx, 100, &mut pkt[..r.len]).unwrap();
    assert!(v.decrypted);
    assert_eq!(v.records_ok, 1);
    assert_eq!(&pkt[13..16], &[2, 3, 4]);
}

#[test]
fn bad_tag_passes_the_packet_up() {
    let r = record(&[1, 2, 3]);
    let mut pkt = r.buf;
    pkt[13 + 3] ^= 1;
    let mut rx = RxStream::new(0, 0);
    let v = run(&mut rx, 0, &mut pkt[..r.len]).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.auth_failed, 1);
    assert!(rx.synced());
}

#[test]
fn gap_loses_sync_and_hint_resumes() {
    let r = record(&[9; 10]);
    let mut rx = RxStream::new(0, 0);
    let mut a = r.buf;
    assert!(run(&mut rx, 0, &mut a[..7]).unwrap().decrypted);
    // Bytes 7..20 are lost.
    assert_eq!(rx.begin(20, (r.len - 20) as u32), Start::Skip(Skip::Lost));
    assert!(!rx.synced());
    rx.resync(Hint {
        seq: r.len as u32,
        rcd_sn: 1,
    });
    // The record at the hint is only checked (on probation) and goes up as it came.
    let mut c = r.buf;
    let v = run(&mut rx, r.len as u32, &mut c[..r.len]).unwrap();
    assert!(v.resumed && !v.decrypted);
    assert_eq!(v.records_ok, 1);
    // It authenticated: the next record is decrypted.
    let mut d = r.buf;
    let v = run(&mut rx, 2 * r.len as u32, &mut d[..r.len]).unwrap();
    assert!(v.decrypted && !v.resumed);
    assert_eq!(v.records_ok, 1);
    assert_eq!(&d[13..23], &[10; 10]);
}

#[test]
fn record_at_a_hint_is_on_probation() {
    // Record 0's payload reads as a whole record of its own, its header at offset 13.
    let mut payload = [0u8; 35];
    payload[..5].copy_from_slice(&[23, 3, 3, 0, 30]);
    let r = record(&payload);
    let mut rx = RxStream::new(0, 0);
    let mut a = r.buf;
    assert!(run(&mut rx, 0, &mut a[..5]).unwrap().decrypted);
    // Bytes 5..7 are lost, and a wrong hint says a record starts at 13.
    assert_eq!(rx.begin(7, 6), Start::Skip(Skip::Lost));
    rx.resync(Hint { seq: 13, rcd_sn: 1 });
    let mut b = r.buf;
    let v = run(&mut rx, 13, &mut b[13..26]).unwrap();
    assert!(v.resumed && !v.decrypted);
    // What the device decrypts of that "record" does not go up as plaintext.
    let mut c = r.buf;
    let v = run(&mut rx, 26, &mut c[26..32]).unwrap();
    assert!(!v.decrypted);
}

#[test]
fn duplicate_changes_nothing() {
    let r = record(&[5; 8]);
    let mut rx = RxStream::new(0, 0);
    let mut a = r.buf;
    assert!(run(&mut rx, 0, &mut a[..10]).unwrap().decrypted);
    assert_eq!(rx.begin(0, 10), Start::Skip(Skip::Duplicate));
    let mut b = r.buf;
    let v = run(&mut rx, 10, &mut b[10..r.len]).unwrap();
    assert!(v.decrypted);
    assert_eq!(v.records_ok, 1);
}

#[test]
fn bad_header_loses_sync() {
    let mut pkt = [0u8; 40];
    pkt[0] = 23;
    pkt[1] = 3;
    pkt[2] = 1;
    let mut rx = RxStream::new(0, 0);
    let v = run(&mut rx, 0, &mut pkt).unwrap();
    assert!(!v.decrypted && v.bad_header);
    assert!(!rx.synced());
}

/// The toy engine, counting how records are opened.
#[derive(Default)]
struct Counting {
    whole: u32,
    split: u32,
    begun: u32,
}

impl Opener for Counting {
    type State = u8;
    fn begin(&mut self, n: &[u8; 12], a: &[u8; 13]) -> u8 {
        self.begun += 1;
        Toy.begin(n, a)
    }
    fn decrypt(&mut self, s: &mut u8, data: &mut [u8]) {
        Toy.decrypt(s, data)
    }
    fn authenticate(&mut self, s: &mut u8, data: &[u8]) {
        Toy.authenticate(s, data)
    }
    fn verify(&mut self, s: u8, tag: &[u8; 16]) -> bool {
        Toy.verify(s, tag)
    }
    fn open(&mut self, n: &[u8; 12], a: &[u8; 13], record: &mut [u8]) -> bool {
        self.whole += 1;
        Toy.open(n, a, record)
    }
    fn open_split(&mut self, n: &[u8; 12], a: &[u8; 13], x: &mut [u8], y: &mut [u8]) -> bool {
        self.split += 1;
        Toy.open_split(n, a, x, y)
    }
}

#[test]
fn whole_records_are_opened_at_once_and_split_ones_in_pieces() {
    // Two records back to back; the first packet holds the first one whole and the second
    // one's first 20 bytes, the second packet the rest.
    let a = record(&[1, 2, 3, 4]);
    let b = record(&[5, 6, 7, 8, 9]);
    let mut stream = [0u8; 128];
    stream[..a.len].copy_from_slice(&a.buf[..a.len]);
    stream[a.len..a.len + b.len].copy_from_slice(&b.buf[..b.len]);
    let total = a.len + b.len;
    let cut = a.len + 20;
    let mut rx = RxStream::new(0, 0);
    let mut eng = Counting::default();
    let mut v = [Verdict::default(); 2];
    for (i, (seq, piece)) in [(0, 0..cut), (cut, cut..total)].into_iter().enumerate() {
        assert_eq!(rx.begin(seq as u32, piece.len() as u32), Start::Process);
        rx.feed(&mut eng, &[0; 4], &mut stream[piece]);
        v[i] = rx.end();
    }
    assert_eq!((eng.whole, eng.begun), (1, 1));
    assert!(v[0].decrypted && v[1].decrypted);
    assert_eq!(v[0].records_ok + v[1].records_ok, 2);
    assert_eq!(&stream[13..17], &[2, 3, 4, 5]);
    assert_eq!(&stream[a.len + 13..a.len + 18], &[6, 7, 8, 9, 10]);
    // A whole record whose tag fails: counted, the packet goes up as it came.
    let mut bad = record(&[1, 2]);
    bad.buf[13 + 2] ^= 0x80;
    let v = run(&mut rx, total as u32, &mut bad.buf[..bad.len]).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.auth_failed, 1);
}

#[test]
fn records_across_buffers_of_a_packet_are_opened_whole() {
    // Two records in one packet, held in three buffers cut at every pair of positions: each
    // record is opened in one operation, whole in a buffer or across two.
    let a = record(&[1, 2, 3, 4]);
    let b = record(&[5, 6, 7, 8, 9]);
    let total = a.len + b.len;
    for cut1 in 0..=total {
        for cut2 in cut1..=total {
            let mut stream = [0u8; 128];
            stream[..a.len].copy_from_slice(&a.buf[..a.len]);
            stream[a.len..total].copy_from_slice(&b.buf[..b.len]);
            let mut rx = RxStream::new(0, 0);
            let mut eng = Counting::default();
            assert_eq!(rx.begin(0, total as u32), Start::Process);
            let (first, rest) = stream[..total].split_at_mut(cut1);
            let (second, third) = rest.split_at_mut(cut2 - cut1);
            rx.feed_parts(&mut eng, &[0; 4], &mut [first, second, third]);
            let v = rx.end();
            let at = (cut1, cut2);
            assert!(v.decrypted, "cuts {at:?}");
            assert_eq!(v.records_ok, 2, "cuts {at:?}");
            // A record is opened in one operation unless what follows its header and explicit
            // nonce reaches past the buffer after the one they end in (the module's middle
            // buffer is a whole page block, longer than any record).
            let all = [(0, cut1), (cut1, cut2), (cut2, total)];
            let parts = all.iter().filter(|(s, e)| s < e);
            let in_three = [(0, a.len), (a.len, total)]
                .iter()
                .filter(|&&(start, end)| {
                    let mut rest = parts.clone();
                    let here = rest.find(|&&(s, e)| (s..e).contains(&(start + 12)));
                    let reach = rest.next().or(here).map_or(0, |p| p.1);
                    end > reach
                })
                .count() as u32;
            assert_eq!(eng.begun, in_three, "cuts {at:?}");
            assert_eq!(eng.whole + eng.split, 2 - in_three, "cuts {at:?}");
            assert_eq!(&stream[13..17], &[2, 3, 4, 5], "cuts {at:?}");
            assert_eq!(
                &stream[a.len + 13..a.len + 18],
                &[6, 7, 8, 9, 10],
                "cuts {at:?}"
            );
            // The stream went on in order: the next packet follows.
            assert_eq!(rx.begin(total as u32, 1), Start::Process);
        }
    }
}

#[test]
fn a_split_record_whose_tag_fails_fails_the_packet() {
    let a = record(&[1, 2, 3, 4]);
    let mut stream = a.buf;
    // A tag byte in the second buffer is altered.
    stream[a.len - 1] ^= 0x01;
    stream[13 + 4] ^= 0x80;
    let mut rx = RxStream::new(0, 0);
    let mut eng = Counting::default();
    assert_eq!(rx.begin(0, a.len as u32), Start::Process);
    let (first, second) = stream[..a.len].split_at_mut(15);
    rx.feed_parts(&mut eng, &[0; 4], &mut [first, second]);
    let v = rx.end();
    assert_eq!((eng.split, v.auth_failed, v.decrypted), (1, 1, false));
}

#[test]
fn a_record_reaching_past_the_packet_is_not_opened_across_buffers() {
    // The packet ends inside the record: the second buffer's bytes past the packet's length
    // are not the record's; the record goes on in pieces into the next packet.
    let a = record(&[1, 2, 3, 4, 5, 6]);
    let mut stream = a.buf;
    let pkt = a.len - 10;
    let mut rx = RxStream::new(0, 0);
    let mut eng = Counting::default();
    assert_eq!(rx.begin(0, pkt as u32), Start::Process);
    let (first, second) = stream[..a.len].split_at_mut(20);
    rx.feed_parts(&mut eng, &[0; 4], &mut [first, second]);
    let v = rx.end();
    assert_eq!((eng.split, eng.whole, eng.begun), (0, 0, 1));
    assert!(v.decrypted);
    assert_eq!(rx.begin(pkt as u32, 10), Start::Process);
    rx.feed(&mut eng, &[0; 4], &mut stream[pkt..a.len]);
    let v = rx.end();
    assert_eq!(v.records_ok, 1);
    assert_eq!(&stream[13..19], &[2, 3, 4, 5, 6, 7]);
}

#[test]
fn a_pending_resync_point_keeps_a_record_in_pieces() {
    // In sync, with a hint at a record boundary ahead: a record across the two buffers is
    // not opened whole (the hint could lie inside what it would take from the second one).
    let a = record(&[1, 2, 3, 4]);
    let b = record(&[5, 6, 7, 8, 9]);
    let total = a.len + b.len;
    let mut stream = [0u8; 128];
    stream[..a.len].copy_from_slice(&a.buf[..a.len]);
    stream[a.len..total].copy_from_slice(&b.buf[..b.len]);
    let mut rx = RxStream::new(0, 0);
    rx.resync(Hint {
        seq: a.len as u32,
        rcd_sn: 1,
    });
    let mut eng = Counting::default();
    assert_eq!(rx.begin(0, total as u32), Start::Process);
    let (first, second) = stream[..total].split_at_mut(20);
    rx.feed_parts(&mut eng, &[0; 4], &mut [first, second]);
    let v = rx.end();
    assert_eq!((eng.split, eng.begun), (0, 1));
    assert_eq!(v.records_ok, 2);
}

/// Three toy records back to back (lengths 33, 34, 35 bytes), in a buffer.
fn three_records() -> ([u8; 128], [usize; 4]) {
    let mut stream = [0u8; 128];
    let mut at = [0usize; 4];
    for (i, payload) in [
        &[1u8, 2, 3, 4][..],
        &[5, 6, 7, 8, 9],
        &[10, 11, 12, 13, 14, 15],
    ]
    .into_iter()
    .enumerate()
    {
        let r = record(payload);
        stream[at[i]..at[i] + r.len].copy_from_slice(&r.buf[..r.len]);
        at[i + 1] = at[i] + r.len;
    }
    (stream, at)
}

/// A stream whose socket held data up to `held_end`, the next record starting at `seq`.
fn held_stream(held_end: u32, seq: u32, rcd_sn: u64, trusted: bool) -> RxStream<u8> {
    RxStream::starting_at(held_end, HeldStart::Boundary { seq, rcd_sn }, trusted)
}

#[test]
fn queued_start_follows_the_queued_headers() {
    let (stream, at) = three_records();
    // A reader with no limit of its own (the socket's backlog may hold more than its end):
    // `queued_start` must not ask for bytes at or past the end.
    let read = |end: usize| {
        move |seq: u32, buf: &mut [u8]| {
            let s = seq.wrapping_sub(1000) as usize;
            assert!(s + buf.len() <= end, "read past the end");
            buf.copy_from_slice(&stream[s..s + buf.len()]);
            true
        }
    };
    let boundary = |seq: usize, rcd_sn| {
        Some(HeldStart::Boundary {
            seq: 1000 + seq as u32,
            rcd_sn,
        })
    };
    // Nothing held: the flow's start.
    assert_eq!(queued_start(1000, 7, 1000, read(0)), boundary(0, 7));
    // Two whole records held: the third starts at the end.
    let end = 1000 + at[2] as u32;
    assert_eq!(queued_start(1000, 7, end, read(at[2])), boundary(at[2], 9));
    // The end lies inside the second record: the third is the device's first.
    let end = 1000 + at[1] as u32 + 9;
    assert_eq!(
        queued_start(1000, 7, end, read(at[1] + 9)),
        boundary(at[2], 9)
    );
    // The end cuts the second record's header: its first 3 bytes are handed on.
    let end = 1000 + at[1] as u32 + 3;
    let mut head = [0u8; 5];
    head[..3].copy_from_slice(&stream[at[1]..at[1] + 3]);
    assert_eq!(
        queued_start(1000, 7, end, read(at[1] + 3)),
        Some(HeldStart::CutHeader {
            head,
            have: 3,
            rcd_sn: 8
        })
    );
    // A held header that cannot be one, or that cannot be read: unknown.
    let mut bad = stream;
    bad[at[1] + 1] = 2;
    let read_bad = |seq: u32, buf: &mut [u8]| {
        let s = seq.wrapping_sub(1000) as usize;
        buf.copy_from_slice(&bad[s..s + buf.len()]);
        true
    };
    assert_eq!(queued_start(1000, 7, 1000 + at[2] as u32, read_bad), None);
    assert_eq!(queued_start(1000, 7, end, |_, _| false), None);
    // Near the sequence number wrap.
    let base = u32::MAX - 40;
    let read_wrap = |seq: u32, buf: &mut [u8]| {
        let s = seq.wrapping_sub(base) as usize;
        buf.copy_from_slice(&stream[s..s + buf.len()]);
        true
    };
    assert_eq!(
        queued_start(base, 0, base.wrapping_add(at[2] as u32), read_wrap),
        Some(HeldStart::Boundary {
            seq: base.wrapping_add(at[2] as u32),
            rcd_sn: 2
        })
    );
}

#[test]
fn a_stream_starting_at_a_cut_header_checks_that_record_first() {
    // The socket held the first record and 3 bytes of the second's header: the second record
    // (completed from the wire) is on probation, the third decrypted.
    let (mut stream, at) = three_records();
    let end = at[1] + 3;
    let mut head = [0u8; 5];
    head[..3].copy_from_slice(&stream[at[1]..end]);
    let start = HeldStart::CutHeader {
        head,
        have: 3,
        rcd_sn: 1,
    };
    let mut rx = RxStream::starting_at(end as u32, start, true);
    let (second, third) = stream[end..at[3]].split_at_mut(at[2] - end);
    let v = run(&mut rx, end as u32, second).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.records_ok, 1);
    let v = run(&mut rx, at[2] as u32, third).unwrap();
    assert!(v.decrypted);
    assert_eq!(v.records_ok, 1);
}

#[test]
fn a_stream_starting_past_queued_data_decrypts_from_the_next_record() {
    // The socket held the first record and 9 bytes of the second when the flow was set up:
    // the frame with the rest of the second goes up as received, the third is decrypted.
    let (mut stream, at) = three_records();
    let nxt = at[1] + 9;
    let mut rx = held_stream(nxt as u32, at[2] as u32, 2, true);
    let (rest, third) = stream[nxt..at[3]].split_at_mut(at[2] - nxt);
    let v = run(&mut rx, nxt as u32, rest).unwrap();
    assert!(!v.decrypted);
    assert_eq!((v.records_ok, v.auth_failed, v.resumed), (0, 0, false));
    let v = run(&mut rx, at[2] as u32, third).unwrap();
    assert!(v.decrypted);
    assert_eq!(v.records_ok, 1);
    assert_eq!(&stream[at[2] + 13..at[2] + 19], &[11, 12, 13, 14, 15, 16]);
    // In one frame, the rest of the second record and the third: not decrypted as a whole,
    // but the third authenticates and the stream stays in sync.
    let (mut stream, at) = three_records();
    let mut rx = held_stream(nxt as u32, at[2] as u32, 2, true);
    let v = run(&mut rx, nxt as u32, &mut stream[nxt..at[3]]).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.records_ok, 1);
    assert!(rx.synced());
    // Starting at a record boundary: decrypted from the first frame.
    let (mut stream, at) = three_records();
    let mut rx = held_stream(at[2] as u32, at[2] as u32, 2, true);
    let v = run(&mut rx, at[2] as u32, &mut stream[at[2]..at[3]]).unwrap();
    assert!(v.decrypted);
}

#[test]
fn an_untrusted_start_puts_the_first_record_on_probation() {
    // Found through data TCP had not accepted yet: the first record is checked, passed up as
    // received, and the one after it is decrypted.
    let (mut stream, at) = three_records();
    let mut rx = held_stream(at[1] as u32, at[1] as u32, 1, false);
    let (second, third) = stream[at[1]..at[3]].split_at_mut(at[2] - at[1]);
    let v = run(&mut rx, at[1] as u32, second).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.records_ok, 1);
    let v = run(&mut rx, at[2] as u32, third).unwrap();
    assert!(v.decrypted);
    assert_eq!(v.records_ok, 1);
    // Likewise after the rest of a held record.
    let (mut stream, at) = three_records();
    let nxt = at[0] + 20;
    let mut rx = held_stream(nxt as u32, at[1] as u32, 1, false);
    let v = run(&mut rx, nxt as u32, &mut stream[nxt..at[2]]).unwrap();
    assert!(!v.decrypted);
    assert_eq!(v.records_ok, 1);
    let v = run(&mut rx, at[2] as u32, &mut stream[at[2]..at[3]]).unwrap();
    assert!(v.decrypted);
}
