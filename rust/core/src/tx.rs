// SPDX-License-Identifier: GPL-2.0

//! The transmit side of the device: which TLS 1.2 record is sealed in the engine's buffer, and
//! sealing the next one.
//!
//! The kernel's `tls` ULP hands the device plaintext records laid out as on the wire (header,
//! explicit nonce, plaintext, room for the tag) and TCP segments that cut through them anywhere.
//! For each segment the device seals the record holding the segment's bytes once, into its
//! record buffer, and sends the segment's share of the sealed record. [`TxRecords`] is the
//! bookkeeping of one flow, independent of the kernel and of the crypto engine ([`Sealer`], the
//! transmit counterpart of [`super::rx::Opener`]):
//!
//! - the record sealed in the buffer ([`TxRecords::cached`]), so that the segments of a record
//!   run each byte through the cipher once;
//! - the record an asynchronous engine is still sealing, which becomes the cached one when the
//!   engine reports success ([`TxRecords::poll`]);
//! - one past the highest sequence number sent, to tell retransmissions from new data
//!   ([`TxRecords::is_retransmit`]).
//!
//! [`TxRecords::seal`] checks a record's framing and derives its nonce and additional data
//! before handing it to the engine: a record the kernel laid out wrongly is never sealed.

pub mod sync;

use super::tls12::{
    self, seq_before, RecordHeader, Span, AAD_LEN, EXPLICIT_NONCE_LEN, HEADER_LEN, NONCE_LEN,
    PREPEND_LEN, SALT_LEN,
};

/// Why an engine did not seal a record. The segment needing it is dropped (TCP retransmits it),
/// or waits, for [`SealError::Pending`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// An earlier request is still running asynchronously.
    Busy,
    /// This request went asynchronous; [`Sealer::take_async_result`] reports it later.
    Pending,
    /// The engine failed, or the record does not fit it.
    Failed,
    /// No memory for the record buffer.
    NoMem,
}

/// A crypto engine that seals whole TLS 1.2 records into its record buffer: the engine interface
/// of the transmit path.
///
/// The buffer then holds the record as it goes on the wire: the `prepend` given to
/// [`Sealer::seal`] (header and explicit nonce), the ciphertext and the tag.
pub trait Sealer {
    /// Where the record's bytes come from, laid out as on the wire (in the kernel: references to
    /// the pages of the socket's retransmit queue).
    type Source;

    /// Seals the record in `src` with `nonce` and `aad`; `prepend` is its first
    /// [`PREPEND_LEN`] bytes, already read by the caller. `Err(Pending)`: the engine works on it
    /// asynchronously and reports through [`Sealer::take_async_result`].
    fn seal(
        &mut self,
        src: Self::Source,
        prepend: &[u8; PREPEND_LEN],
        aad: &[u8; AAD_LEN],
        nonce: &[u8; NONCE_LEN],
    ) -> Result<(), SealError>;

    /// Whether an asynchronous request is still running (the buffer is the engine's meanwhile).
    fn busy(&self) -> bool;

    /// The result of the last request that went asynchronous, once: `None` if none completed
    /// since the last call (or one is still running).
    fn take_async_result(&mut self) -> Option<Result<(), SealError>>;
}

/// Why [`TxRecords::seal`] did not seal a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealFault {
    /// The record's framing is not what the kernel lays out for TLS 1.2 (length, version, or a
    /// header length that disagrees with the record's extent).
    BadRecord,
    /// The engine's answer.
    Engine(SealError),
}

/// A record handed to the engine: its plaintext length (for the cipher counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sealing {
    /// Plaintext bytes that go through the cipher.
    pub plaintext_len: usize,
    /// Whether the engine finished it ([`Sealing::done`]) or works on it asynchronously.
    pub done: bool,
}

/// What the flow's engine made of its last asynchronous request ([`TxRecords::poll`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polled {
    /// Nothing new.
    Nothing,
    /// The record being sealed is sealed: it is now the cached one.
    Sealed,
    /// It failed: nothing is cached.
    Failed,
}

/// The transmit bookkeeping of one flow (see the module documentation).
#[derive(Debug, Clone)]
pub struct TxRecords {
    cached: Option<Span>,
    pending: Option<Span>,
    high_seq: u32,
}

impl TxRecords {
    /// A flow whose first offloaded byte is at TCP sequence number `start_seq`.
    pub fn new(start_seq: u32) -> Self {
        Self {
            cached: None,
            pending: None,
            high_seq: start_seq,
        }
    }

    /// Whether a segment starting at `seq` resends bytes sent before.
    pub fn is_retransmit(&self, seq: u32) -> bool {
        seq_before(seq, self.high_seq)
    }

    /// Notes that segment `seg` went out.
    pub fn sent(&mut self, seg: Span) {
        if !seq_before(seg.end(), self.high_seq) {
            self.high_seq = seg.end();
        }
    }

    /// The record sealed in the engine's buffer, if it holds `seq`.
    pub fn cached(&self, seq: u32) -> Option<Span> {
        self.cached.filter(|c| c.contains(seq))
    }

    /// Forgets the sealed record (the buffer is about to be reused, or was lost).
    pub fn forget(&mut self) {
        self.cached = None;
    }

    /// Picks up the result of the engine's asynchronous request, if it has one.
    pub fn poll<S: Sealer>(&mut self, sealer: &mut S, fault: impl FnOnce() -> bool) -> Polled {
        let Some(result) = sealer.take_async_result() else {
            return Polled::Nothing;
        };
        let span = self.pending.take();
        match result {
            Ok(()) if !fault() => {
                self.cached = span;
                Polled::Sealed
            }
            _ => {
                self.cached = None;
                Polled::Failed
            }
        }
    }

    /// Seals record `span`, TLS record number `rcd_sn`, read from `src`, whose first bytes are
    /// `prepend`, with the flow's `salt`. On success the record is the cached one (or, while the
    /// engine seals it asynchronously, the pending one). `fault` is asked once the framing is
    /// checked: `true` fails the engine's work (fault injection).
    #[allow(clippy::too_many_arguments)]
    pub fn seal<S: Sealer>(
        &mut self,
        sealer: &mut S,
        span: Span,
        rcd_sn: u64,
        src: S::Source,
        prepend: &[u8; PREPEND_LEN],
        salt: &[u8; SALT_LEN],
        fault: impl FnOnce() -> bool,
    ) -> Result<Sealing, SealFault> {
        self.cached = None;
        let hdr =
            RecordHeader::parse(prepend, span.len as usize).map_err(|_| SealFault::BadRecord)?;
        if fault() {
            return Err(SealFault::Engine(SealError::Failed));
        }
        let nonce = tls12::nonce(salt, &prepend[HEADER_LEN..HEADER_LEN + EXPLICIT_NONCE_LEN]);
        let sealing = |done| Sealing {
            plaintext_len: hdr.plaintext_len,
            done,
        };
        match sealer.seal(src, prepend, &hdr.aad(rcd_sn), &nonce) {
            Ok(()) => {
                self.cached = Some(span);
                Ok(sealing(true))
            }
            Err(SealError::Pending) => {
                self.pending = Some(span);
                Ok(sealing(false))
            }
            Err(e) => Err(SealFault::Engine(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::gcm::Gcm;
    use crate::tls12::{OVERHEAD, TAG_LEN, TLS_1_2_VERSION};
    use std::vec::Vec;

    /// A soft engine over a byte buffer, optionally asynchronous.
    struct Soft {
        gcm: Gcm,
        buf: Vec<u8>,
        async_mode: bool,
        inflight: Option<Result<(), SealError>>,
    }

    impl Soft {
        fn new(async_mode: bool) -> Self {
            Soft {
                gcm: Gcm::new(&KEY).unwrap(),
                buf: Vec::new(),
                async_mode,
                inflight: None,
            }
        }
    }

    impl Sealer for Soft {
        type Source = Vec<u8>;

        fn seal(
            &mut self,
            src: Vec<u8>,
            prepend: &[u8; PREPEND_LEN],
            aad: &[u8; AAD_LEN],
            nonce: &[u8; NONCE_LEN],
        ) -> Result<(), SealError> {
            if self.inflight.is_some() {
                return Err(SealError::Busy);
            }
            let mut body = src[PREPEND_LEN..src.len() - TAG_LEN].to_vec();
            let mut tag = [0u8; TAG_LEN];
            self.gcm
                .seal(nonce, aad, &mut body, &mut tag)
                .map_err(|_| SealError::Failed)?;
            self.buf = [&prepend[..], &body, &tag].concat();
            if self.async_mode {
                self.inflight = Some(Ok(()));
                return Err(SealError::Pending);
            }
            Ok(())
        }

        fn busy(&self) -> bool {
            false
        }

        fn take_async_result(&mut self) -> Option<Result<(), SealError>> {
            self.inflight.take()
        }
    }

    fn record(rcd_sn: u64, plaintext: &[u8]) -> Vec<u8> {
        let len = plaintext.len() + OVERHEAD - tls12::HEADER_LEN;
        let mut r = std::vec![23u8];
        r.extend_from_slice(&TLS_1_2_VERSION.to_be_bytes());
        r.extend_from_slice(&(len as u16).to_be_bytes());
        r.extend_from_slice(&rcd_sn.to_be_bytes());
        r.extend_from_slice(plaintext);
        r.extend_from_slice(&[0u8; TAG_LEN]);
        r
    }

    fn prepend(rec: &[u8]) -> [u8; PREPEND_LEN] {
        rec[..PREPEND_LEN].try_into().unwrap()
    }

    /// Seals `rec`, laid out as on the wire, as record number `rcd_sn` at `span`.
    fn seal(
        t: &mut TxRecords,
        soft: &mut Soft,
        span: Span,
        rcd_sn: u64,
        rec: &[u8],
        fault: bool,
    ) -> Result<Sealing, SealFault> {
        t.seal(
            soft,
            span,
            rcd_sn,
            rec.to_vec(),
            &prepend(rec),
            &SALT,
            || fault,
        )
    }

    const KEY: [u8; 16] = [7; 16];
    const SALT: [u8; 4] = [1, 2, 3, 4];

    #[test]
    fn sealed_record_opens_with_the_flows_nonce_and_aad() {
        let mut soft = Soft::new(false);
        let mut t = TxRecords::new(1000);
        let rec = record(5, b"hello, device");
        let span = Span {
            start: 1000,
            len: rec.len() as u32,
        };
        let s = seal(&mut t, &mut soft, span, 5, &rec, false);
        assert_eq!(
            s,
            Ok(Sealing {
                plaintext_len: 13,
                done: true
            })
        );
        assert_eq!(t.cached(1000 + 20), Some(span));
        assert_eq!(t.cached(1000 + span.len), None);
        // Open it independently.
        let nonce = tls12::nonce(&SALT, &rec[5..13]);
        let hdr = RecordHeader::parse(&rec, rec.len()).unwrap();
        let mut body = soft.buf[PREPEND_LEN..soft.buf.len() - TAG_LEN].to_vec();
        let tag: [u8; TAG_LEN] = soft.buf[soft.buf.len() - TAG_LEN..].try_into().unwrap();
        Gcm::new(&KEY)
            .unwrap()
            .open(&nonce, &hdr.aad(5), &mut body, &tag)
            .unwrap();
        assert_eq!(body, b"hello, device");
        assert_eq!(&soft.buf[..PREPEND_LEN], &rec[..PREPEND_LEN]);
    }

    #[test]
    fn bad_framing_is_never_sealed() {
        let mut soft = Soft::new(false);
        let mut t = TxRecords::new(0);
        let mut rec = record(0, b"abc");
        rec[2] = 4; // TLS 1.3 in the header: not what the kernel lays out for TLS 1.2
        let span = Span {
            start: 0,
            len: rec.len() as u32,
        };
        assert_eq!(
            seal(&mut t, &mut soft, span, 0, &rec, false),
            Err(SealFault::BadRecord)
        );
        assert!(soft.buf.is_empty());
        // A header length that disagrees with the record's extent.
        let rec = record(0, b"abc");
        let short = Span {
            start: 0,
            len: rec.len() as u32 - 1,
        };
        assert_eq!(
            seal(&mut t, &mut soft, short, 0, &rec, false),
            Err(SealFault::BadRecord)
        );
        assert_eq!(t.cached(0), None);
    }

    #[test]
    fn injected_fault_fails_a_well_framed_record_only() {
        let mut soft = Soft::new(false);
        let mut t = TxRecords::new(0);
        let rec = record(0, b"abc");
        let span = Span {
            start: 0,
            len: rec.len() as u32,
        };
        assert_eq!(
            seal(&mut t, &mut soft, span, 0, &rec, true),
            Err(SealFault::Engine(SealError::Failed))
        );
        assert!(soft.buf.is_empty());
        assert_eq!(t.cached(0), None);
        // The framing is checked first: a bad record is reported as such, fault or not.
        let mut bad = rec.clone();
        bad[1] = 2;
        assert_eq!(
            seal(&mut t, &mut soft, span, 0, &bad, true),
            Err(SealFault::BadRecord)
        );
    }

    #[test]
    fn asynchronous_record_is_cached_once_reported() {
        let mut soft = Soft::new(true);
        let mut t = TxRecords::new(0);
        let rec = record(0, &[9; 100]);
        let span = Span {
            start: 0,
            len: rec.len() as u32,
        };
        let s = t
            .seal(
                &mut soft,
                span,
                0,
                rec.clone(),
                &prepend(&rec),
                &SALT,
                || false,
            )
            .unwrap();
        assert!(!s.done);
        assert_eq!(t.cached(0), None);
        assert_eq!(t.poll(&mut soft, || false), Polled::Sealed);
        assert_eq!(t.cached(10), Some(span));
        assert_eq!(t.poll(&mut soft, || false), Polled::Nothing);
        // A failed (here: injected) completion leaves nothing cached.
        seal(&mut t, &mut soft, span, 0, &rec, false).unwrap();
        assert_eq!(t.poll(&mut soft, || true), Polled::Failed);
        assert_eq!(t.cached(10), None);
    }

    #[test]
    fn retransmissions_are_told_from_new_data_across_wrap() {
        let mut t = TxRecords::new(u32::MAX - 10);
        assert!(!t.is_retransmit(u32::MAX - 10));
        t.sent(Span {
            start: u32::MAX - 10,
            len: 20,
        });
        assert!(t.is_retransmit(u32::MAX - 10));
        assert!(t.is_retransmit(5));
        assert!(!t.is_retransmit(9));
        // An older segment sent again does not move the mark back.
        t.sent(Span {
            start: u32::MAX - 10,
            len: 4,
        });
        assert!(!t.is_retransmit(9));
    }
}
