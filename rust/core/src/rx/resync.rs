// SPDX-License-Identifier: GPL-2.0

//! The receive resync modes of 6.12's TLS core (`enum tls_offload_sync_type`) and the device's
//! side of the two in which the device asks ([`Requester`]).
//!
//! Out of sync, the device passes frames up as received and waits for the kernel to tell it
//! where a record starts and which number it has ([`super::RxStream::resync`]). How that comes
//! about is the flow's [`Mode`]:
//!
//! - [`Mode::NextHint`] (`TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT`): the kernel notices records
//!   arriving undecrypted and sends the next record's position on its own; the device asks
//!   nothing.
//! - [`Mode::DriverReq`] (`TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ`): the device finds a plausible
//!   record header in a frame it passes up and asks the kernel about it
//!   (`tls_offload_rx_resync_request`, [`Ask::Request`]). The kernel's record parser compares the
//!   request with each header it parses and, on a match, confirms through `tls_dev_resync` with
//!   that record's number. The request and the confirmation name the header's *last* byte
//!   (`tls_device_rx_resync_new_rec` adds `TLS_HEADER_SIZE - 1` to the header's position before
//!   comparing, and passes that on): [`Mode::hint`] turns the confirmation back into the
//!   header's position.
//! - [`Mode::DriverReqAsync`] (`TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ_ASYNC`, as mlx5): the device
//!   opens a window on the frame where it saw a candidate
//!   (`tls_offload_rx_resync_async_request_start`, [`Ask::AsyncStart`]); the kernel logs the
//!   headers it parses in that window (at most `TLS_DEVICE_RESYNC_ASYNC_LOGMAX`, 13) and counts
//!   the records it parses from then on (`rcd_delta`). Later (here: at the flow's next frame, as
//!   a NIC's answer to the driver's query would come) the device names the header it settled on
//!   (`tls_offload_rx_resync_async_request_end`, [`Ask::AsyncEnd`]); at the next record the
//!   kernel parses, it finds that header in its log (or at the record itself), takes
//!   `rcd_delta` back off the current record number and confirms through `tls_dev_resync`.
//!
//! A candidate may be ciphertext that only looks like a header; the kernel then never matches
//! it, and the device asks again after [`RETRY_FRAMES`] more frames out of sync, once the
//! stream is [`RETRY_SPAN`] bytes past the candidate (the kernel confirms an asynchronous window
//! only at the header after the candidate, up to a record later). A confirmed
//! record is on probation all the same (the tag decides, see [`super`]).
//!
//! The kernel gives up on an asynchronous window once `rcd_delta` would wrap (65535 records, with
//! a `WARN_ON_ONCE` and a cancel). The device never gets near: it ends the window at the flow's
//! next frame, and cancels it instead ([`Ask::AsyncCancel`]) if the stream went
//! [`ASYNC_MAX_SPAN`] bytes past the window's start by then (records the kernel parsed while
//! frames bypassed the device), if it regained sync before ending it, or if a frame went up
//! without passing through the device (an unverified checksum) while the window was open.

use super::super::policy::Choice;
use super::super::tls12::{seq_before, EXPLICIT_NONCE_LEN, HEADER_LEN, TAG_LEN};
use super::Hint;
use super::MAX_CIPHERTEXT;

/// Frames out of sync after which a request the kernel did not confirm is given up and a new
/// candidate asked for, once the stream is also [`RETRY_SPAN`] bytes past the candidate.
pub const RETRY_FRAMES: u32 = 8;

/// Two records of the largest size: by then the kernel parsed the candidate and the header after
/// it (where it confirms an asynchronous window), unless TCP still waits for a retransmission.
pub const RETRY_SPAN: u32 = 2 * (HEADER_LEN + MAX_CIPHERTEXT + EXPLICIT_NONCE_LEN + TAG_LEN) as u32;

/// The shortest TLS 1.2 AES-GCM record: header, explicit nonce and tag.
const MIN_RECORD: u32 = 5 + 8 + 16;

/// How far past an asynchronous window's start the stream may be when the device ends the window:
/// fewer bytes than the kernel's `rcd_delta` (a `u16`, given up at 65535) could count records of.
pub const ASYNC_MAX_SPAN: u32 = (u16::MAX as u32 - 1) * MIN_RECORD;

/// How a flow's device regains sync (`enum tls_offload_sync_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT`: the kernel's next-record hints.
    NextHint,
    /// `TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ`: the device asks about a header it found.
    DriverReq,
    /// `TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ_ASYNC`: the device opens a window, then names a header.
    DriverReqAsync,
}

impl Choice for Mode {
    /// Every mode, the default (the kernel's own hints) first.
    const ALL: &'static [Mode] = &[Mode::NextHint, Mode::DriverReq, Mode::DriverReqAsync];

    fn name(self) -> &'static str {
        match self {
            Mode::NextHint => "next-hint",
            Mode::DriverReq => "driver-req",
            Mode::DriverReqAsync => "driver-req-async",
        }
    }
}

impl Mode {
    /// The resync point a `tls_dev_resync` call in this mode names: in [`Mode::DriverReq`] the
    /// kernel passes the sequence number of the header's last byte (the one the device asked
    /// about), elsewhere the header's first.
    pub fn hint(self, seq: u32, rcd_sn: u64) -> Hint {
        let seq = match self {
            Mode::DriverReq => seq.wrapping_sub(HEADER_LEN as u32 - 1),
            Mode::NextHint | Mode::DriverReqAsync => seq,
        };
        Hint { seq, rcd_sn }
    }
}

/// What the device asks of the kernel after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `tls_offload_rx_resync_request(sk, seq)`: `seq` is the candidate header's last byte.
    Request {
        /// TCP sequence number of the header's last byte.
        seq: u32,
    },
    /// `tls_offload_rx_resync_async_request_start(resync_async, seq, len)`: log the headers in
    /// `[seq, seq + len]`.
    AsyncStart {
        /// TCP sequence number of the frame's first payload byte.
        seq: u32,
        /// The window's length.
        len: u16,
    },
    /// `tls_offload_rx_resync_async_request_end(resync_async, seq)`: the header the device
    /// settled on starts at `seq`.
    AsyncEnd {
        /// TCP sequence number of the header's first byte.
        seq: u32,
    },
    /// `tls_offload_rx_resync_async_request_cancel(resync_async)`.
    AsyncCancel,
}

/// Where a [`Requester`] stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing asked (in sync, or out of sync without a candidate yet).
    Idle,
    /// A request (or an ended window) for the header at `header` waits for the kernel's
    /// confirmation; `frames` frames went by out of sync since.
    Waiting { header: u32, frames: u32 },
    /// An asynchronous window opened at `seq` for the candidate at `header`, not ended yet.
    Started { seq: u32, header: u32 },
}

/// The device's side of [`Mode::DriverReq`] and [`Mode::DriverReqAsync`] for one flow: which
/// candidate header to ask about, and when. In [`Mode::NextHint`] it never asks.
#[derive(Debug)]
pub struct Requester {
    mode: Mode,
    state: State,
}

impl Requester {
    /// A flow in `mode`, in sync.
    pub const fn new(mode: Mode) -> Self {
        Self {
            mode,
            state: State::Idle,
        }
    }

    /// The flow's mode.
    pub const fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether a request or window is open (the device asked and the kernel did not answer yet).
    pub const fn pending(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// A frame of `len` payload bytes at `seq` went up as received because the device is out of
    /// sync; `candidate` is the first plausible header the device saw in it
    /// ([`super::RxStream::observe`]). Returns what to ask the kernel, if anything.
    pub fn out_of_sync(&mut self, seq: u32, len: u32, candidate: Option<u32>) -> Option<Ask> {
        match (self.mode, self.state) {
            (Mode::NextHint, _) => None,
            (Mode::DriverReq, State::Idle) => self.request(candidate),
            (Mode::DriverReqAsync, State::Idle) => self.start(seq, len, candidate),
            (_, State::Waiting { header, frames }) => {
                let frames = frames.saturating_add(1);
                let past = seq.wrapping_sub(header);
                if frames < RETRY_FRAMES || seq_before(seq, header) || past <= RETRY_SPAN {
                    self.state = State::Waiting { header, frames };
                    return None;
                }
                // The kernel did not confirm: the candidate was no header (or the window
                // missed it). Ask about a new one when there is one.
                match self.mode {
                    Mode::DriverReq => self.request(candidate),
                    _ => self.start(seq, len, candidate),
                }
            }
            (_, State::Started { seq: start, header }) => {
                // The window's answer: the header the device settled on, unless the kernel may
                // have counted too many records since the window opened. A frame from before
                // the window (reordered) says nothing of that.
                if !seq_before(seq, start) && seq.wrapping_sub(start) > ASYNC_MAX_SPAN {
                    self.state = State::Idle;
                    return Some(Ask::AsyncCancel);
                }
                self.state = State::Waiting { header, frames: 0 };
                Some(Ask::AsyncEnd { seq: header })
            }
        }
    }

    /// A frame the device processed in sync: a request still open is over. Returns the cancel of
    /// an asynchronous window not ended yet (the kernel would count records for it until
    /// `rcd_delta` wraps); a request waiting for confirmation may stay with the kernel (if it
    /// ever matches, its confirmation agrees with the device's own record boundaries).
    pub fn in_sync(&mut self) -> Option<Ask> {
        let ask = matches!(self.state, State::Started { .. }).then_some(Ask::AsyncCancel);
        self.state = State::Idle;
        ask
    }

    /// The kernel confirmed a resync point (`tls_dev_resync`): nothing is open any more.
    pub fn confirmed(&mut self) {
        self.state = State::Idle;
    }

    /// What [`Requester::out_of_sync`] or [`Requester::in_sync`] returned never reached the
    /// kernel (the flow was not, or no longer, connected to its socket): nothing is open.
    pub fn withdraw(&mut self) {
        self.state = State::Idle;
    }

    /// A frame of the flow went up without passing through the device (its checksum was not
    /// verified): the kernel parses its records all the same. Returns the cancel of an
    /// asynchronous window not ended yet, as [`Requester::in_sync`] does, so that the kernel's
    /// count of records for it cannot grow without bound; anything else stays open.
    pub fn bypassed(&mut self) -> Option<Ask> {
        if !matches!(self.state, State::Started { .. }) {
            return None;
        }
        self.state = State::Idle;
        Some(Ask::AsyncCancel)
    }

    fn request(&mut self, candidate: Option<u32>) -> Option<Ask> {
        let header = candidate?;
        self.state = State::Waiting { header, frames: 0 };
        Some(Ask::Request {
            seq: header.wrapping_add(HEADER_LEN as u32 - 1),
        })
    }

    /// Opens a window on the frame at `seq` if its candidate starts in it and in reach of the
    /// window's 16-bit length.
    fn start(&mut self, seq: u32, len: u32, candidate: Option<u32>) -> Option<Ask> {
        let header = candidate?;
        let len = len.min(u32::from(u16::MAX));
        if seq_before(header, seq) || header.wrapping_sub(seq) > len {
            return None;
        }
        self.state = State::Started { seq, header };
        Some(Ask::AsyncStart {
            seq,
            len: len as u16,
        })
    }
}

#[cfg(test)]
mod tests;
