// SPDX-License-Identifier: GPL-2.0

//! Where a transmit flow's records are, as the device knows it: the transmit resync modes.
//!
//! A segment the device encrypts needs the TLS record number of every record it touches (it is
//! part of each record's additional data). A device can get it in two ways, one per [`Mode`]:
//!
//! - [`Mode::Rebuild`] (as mlx5): the driver looks up every record in the socket's record list
//!   (`tls_get_record`), which gives its number, so any segment can be placed, retransmissions
//!   included (the "crypto state rebuilding" of `tls-offload.rst`).
//! - [`Mode::Request`] (as nfp): the device counts records itself, as a NIC's context does. It
//!   knows where the next record it has not started begins and that record's number
//!   ([`NextRecord`]), from `tls_dev_add` on, and advances it by one for every record it seals.
//!   A segment whose first byte is in the record it sealed last, or starts the next one,
//!   continues the context ([`Placement::Device`]). A segment behind the context (a
//!   retransmission) goes through the kernel's software fallback (`tls_encrypt_skb`). A
//!   segment ahead of it means the device missed bytes (it dropped a segment: engine fault, full
//!   queue, no memory) and no longer knows which record number comes where: the context is lost,
//!   the device asks the core for a resync point (`tls_offload_tx_resync_request`), and until the
//!   core names one (`tls_dev_resync` for transmit, at the start of the next record the socket
//!   pushes: [`TxContext::resync`]) every segment goes through the software fallback.
//!
//! In both modes nothing is ever sent in clear: what the device cannot place it drops or hands to
//! the kernel's fallback, which encrypts it.

use super::super::policy::Choice;
use super::super::tls12::{seq_before, Span};

/// A transmit resync mode, chosen per device for new flows (sysfs `tlsnic/tx_resync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The driver places every segment through the socket's record list.
    Rebuild,
    /// The device counts records itself and asks the core after a gap.
    Request,
}

impl Choice for Mode {
    /// Every mode, the default (rebuilding) first.
    const ALL: &'static [Mode] = &[Mode::Rebuild, Mode::Request];

    fn name(self) -> &'static str {
        match self {
            Mode::Rebuild => "rebuild",
            Mode::Request => "request",
        }
    }
}

/// The next record the device has not started: where it begins and its TLS record number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRecord {
    /// TCP sequence number of the record's first byte.
    pub start: u32,
    /// Its TLS record number.
    pub rcd_sn: u64,
}

/// What the device does with a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// It encrypts it: the segment continues the device's records.
    Device,
    /// It hands it to the kernel's software fallback: a retransmission, behind the context.
    Fallback,
    /// It hands it to the software fallback, and the context is lost: the device asks the core
    /// for a resync point unless a request is pending. `expected` is where the device expected
    /// the next record (`None`: it was already lost).
    FallbackLost {
        /// The next record's start the device expected, if it still knew one.
        expected: Option<u32>,
    },
}

/// A transmit flow's record position (see the module documentation).
#[derive(Debug, Clone)]
pub struct TxContext {
    mode: Mode,
    /// In [`Mode::Request`]: the next record, or `None` while lost.
    next: Option<NextRecord>,
    /// The core's last resync point that answered a loss, until the device seals the record
    /// there.
    resume_at: Option<u32>,
}

impl TxContext {
    /// A flow in `mode` whose first offloaded record starts at `start_seq` with record number
    /// `rcd_sn` (what `tls_dev_add` passes: the socket's write sequence and its `rec_seq`).
    pub fn new(mode: Mode, start_seq: u32, rcd_sn: u64) -> Self {
        Self {
            mode,
            next: Some(NextRecord {
                start: start_seq,
                rcd_sn,
            }),
            resume_at: None,
        }
    }

    /// The flow's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The next record the device expects, `None` while lost.
    pub fn next(&self) -> Option<NextRecord> {
        self.next
    }

    /// Where segment `seg` goes; `cached` is the record sealed in the device's buffer, if it
    /// holds the segment's first byte. A segment ahead of the context loses it.
    pub fn place(&mut self, seg: Span, cached: Option<Span>) -> Placement {
        let seq = seg.start;
        if self.mode == Mode::Rebuild {
            return Placement::Device;
        }
        if let Some(c) = cached.filter(|c| c.contains(seq)) {
            // A segment running past the cached record needs the number of the record after
            // it, which the device knows only if that is the next one it expects.
            let crosses = seq_before(c.end(), seg.end());
            if crosses && self.next.map(|n| n.start) != Some(c.end()) {
                return Placement::Fallback;
            }
            return Placement::Device;
        }
        match self.next {
            Some(n) if n.start == seq => Placement::Device,
            Some(n) if seq_before(seq, n.start) => Placement::Fallback,
            Some(n) => {
                self.next = None;
                Placement::FallbackLost {
                    expected: Some(n.start),
                }
            }
            None => Placement::FallbackLost { expected: None },
        }
    }

    /// The record number the device uses for the record starting at `start`, which the socket's
    /// record list numbers `listed`: in [`Mode::Rebuild`] the list's; in [`Mode::Request`] its
    /// own count, `None` unless `start` is the next record it expects.
    pub fn number(&self, start: u32, listed: u64) -> Option<u64> {
        match self.mode {
            Mode::Rebuild => Some(listed),
            Mode::Request => self.next.filter(|n| n.start == start).map(|n| n.rcd_sn),
        }
    }

    /// The device sealed record `span`, numbered `rcd_sn`: the next one follows it. Returns
    /// whether it is the record at the core's resync point that answered a loss (the device
    /// resumed there).
    pub fn sealed(&mut self, span: Span, rcd_sn: u64) -> bool {
        if self.mode != Mode::Request {
            return false;
        }
        self.next = Some(NextRecord {
            start: span.end(),
            rcd_sn: rcd_sn.wrapping_add(1),
        });
        let resumed = self.resume_at == Some(span.start);
        if resumed {
            self.resume_at = None;
        }
        resumed
    }

    /// The core's resync point (`tls_dev_resync` for transmit): record `rcd_sn` starts at `seq`.
    /// Returns whether the context was lost (the point answers the device's request).
    pub fn resync(&mut self, seq: u32, rcd_sn: u64) -> bool {
        let lost = self.next.is_none();
        if self.mode == Mode::Request {
            self.next = Some(NextRecord { start: seq, rcd_sn });
            if lost {
                self.resume_at = Some(seq);
            }
        }
        lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, len: u32) -> Span {
        Span { start, len }
    }

    #[test]
    fn names_parse_back() {
        for &m in Mode::ALL {
            assert_eq!(Mode::parse(m.name().as_bytes()), Some(m));
            assert_eq!(Mode::at(m.index()), m);
        }
        assert_eq!(Mode::parse(b"request\n"), Some(Mode::Request));
        assert_eq!(Mode::parse(b"requests"), None);
        assert_eq!(Mode::parse(b""), None);
        assert_eq!(Mode::at(7), Mode::Rebuild);
    }

    #[test]
    fn rebuild_places_everything_with_the_lists_numbers() {
        let mut c = TxContext::new(Mode::Rebuild, 1000, 5);
        for seq in [0, 999, 1000, 5000, u32::MAX] {
            assert_eq!(c.place(span(seq, 1), None), Placement::Device);
        }
        assert_eq!(c.number(7000, 42), Some(42));
        c.sealed(span(1000, 100), 5);
        assert!(!c.resync(3000, 9));
        assert_eq!(c.number(3000, 11), Some(11));
    }

    #[test]
    fn request_counts_records_in_order() {
        let mut c = TxContext::new(Mode::Request, u32::MAX - 50, 7);
        // The first record, then the one after it, across the sequence wrap.
        assert_eq!(c.place(span(u32::MAX - 50, 1), None), Placement::Device);
        assert_eq!(c.number(u32::MAX - 50, 0), Some(7));
        c.sealed(span(u32::MAX - 50, 100), 7);
        let cached = Some(span(u32::MAX - 50, 100));
        // Later segments of the sealed record continue it.
        assert_eq!(c.place(span(u32::MAX, 1), cached), Placement::Device);
        assert_eq!(c.place(span(49, 1), None), Placement::Device);
        assert_eq!(c.number(49, 0), Some(8));
        assert_eq!(c.number(50, 8), None);
        c.sealed(span(49, 30), 8);
        assert_eq!(
            c.next(),
            Some(NextRecord {
                start: 79,
                rcd_sn: 9
            })
        );
    }

    #[test]
    fn request_never_crosses_into_a_record_it_cannot_number() {
        let mut c = TxContext::new(Mode::Request, 100, 0);
        c.sealed(span(100, 50), 0);
        let cached = Some(span(100, 50));
        // Into the next record it expects: the device's.
        assert_eq!(c.place(span(140, 30), cached), Placement::Device);
        // The core moved the context past the cached record: a segment crossing out of it
        // goes to the fallback, one inside it stays the device's.
        c.resync(300, 4);
        assert_eq!(c.place(span(140, 30), cached), Placement::Fallback);
        assert_eq!(c.place(span(140, 10), cached), Placement::Device);
    }

    #[test]
    fn request_reports_the_record_where_it_resumed() {
        let mut c = TxContext::new(Mode::Request, 100, 0);
        assert!(!c.sealed(span(100, 50), 0));
        assert_eq!(
            c.place(span(180, 10), None),
            Placement::FallbackLost {
                expected: Some(150)
            }
        );
        assert!(c.resync(400, 6));
        assert!(!c.sealed(span(350, 50), 5));
        assert!(c.sealed(span(400, 50), 6));
        assert!(!c.sealed(span(450, 50), 7));
        // A point that answered no loss is not a resumption.
        assert!(!c.resync(600, 9));
        assert!(!c.sealed(span(600, 50), 9));
    }

    #[test]
    fn request_sends_retransmissions_to_the_fallback_and_stays() {
        let mut c = TxContext::new(Mode::Request, 100, 0);
        c.sealed(span(100, 50), 0);
        c.sealed(span(150, 50), 1);
        let cached = Some(span(150, 50));
        assert_eq!(c.place(span(120, 1), cached), Placement::Fallback);
        assert_eq!(c.place(span(100, 1), None), Placement::Fallback);
        assert_eq!(c.place(span(170, 1), cached), Placement::Device);
        assert_eq!(c.place(span(200, 1), cached), Placement::Device);
        assert_eq!(c.number(200, 99), Some(2));
    }

    #[test]
    fn request_loses_the_context_after_a_gap_until_the_core_resyncs() {
        let mut c = TxContext::new(Mode::Request, 100, 0);
        c.sealed(span(100, 50), 0);
        let cached = Some(span(100, 50));
        // Bytes 150.. were never sent by the device (it dropped them): lost.
        assert_eq!(
            c.place(span(180, 1), cached),
            Placement::FallbackLost {
                expected: Some(150)
            }
        );
        // Everything but the cached record now goes to the fallback, the expected record too.
        assert_eq!(
            c.place(span(150, 1), None),
            Placement::FallbackLost { expected: None }
        );
        assert_eq!(c.place(span(120, 1), cached), Placement::Device);
        assert_eq!(c.number(150, 1), None);
        // The core names the record its next push starts; segments before it stay on the
        // fallback, the record itself is the device's again.
        assert!(c.resync(400, 6));
        assert_eq!(c.place(span(300, 1), None), Placement::Fallback);
        assert_eq!(c.place(span(400, 1), None), Placement::Device);
        assert_eq!(c.number(400, 0), Some(6));
        // A resync point while in sync is taken too, and reported as not answering a loss.
        assert!(!c.resync(500, 7));
        assert_eq!(c.number(500, 0), Some(7));
    }
}
