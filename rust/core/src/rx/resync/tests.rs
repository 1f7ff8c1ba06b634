// SPDX-License-Identifier: GPL-2.0

//! Unit tests of [`super::Requester`] and [`super::Mode`] (the kernel's side is modelled in
//! `tests/rx_oracle.rs`).

use super::*;
use crate::policy::Choice;

#[test]
fn mode_names_parse_back() {
    for &m in Mode::ALL {
        assert_eq!(Mode::parse(m.name().as_bytes()), Some(m));
        let mut line = [0u8; 32];
        let n = m.name().len();
        line[..n].copy_from_slice(m.name().as_bytes());
        line[n] = b'\n';
        assert_eq!(Mode::parse(&line[..n + 1]), Some(m));
    }
    for bad in [
        &b""[..],
        b"\n",
        b"next",
        b"driver-req\n\n",
        b" driver-req",
        b"DRIVER-REQ",
        b"driver-req-async2",
        b"2",
    ] {
        assert_eq!(Mode::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn driver_req_confirmation_names_the_header_last_byte() {
    // The kernel compares the request with `header + TLS_HEADER_SIZE - 1` and passes that on.
    let mut r = Requester::new(Mode::DriverReq);
    assert_eq!(
        r.out_of_sync(1000, 500, Some(u32::MAX - 1)),
        Some(Ask::Request { seq: 2 })
    );
    assert_eq!(
        Mode::DriverReq.hint(2, 7),
        Hint {
            seq: u32::MAX - 1,
            rcd_sn: 7
        }
    );
    assert_eq!(Mode::NextHint.hint(3, 7), Hint { seq: 3, rcd_sn: 7 });
    assert_eq!(Mode::DriverReqAsync.hint(3, 7), Hint { seq: 3, rcd_sn: 7 });
}

#[test]
fn next_hint_never_asks() {
    let mut r = Requester::new(Mode::NextHint);
    for i in 0..20 {
        assert_eq!(r.out_of_sync(i * 100, 100, Some(i * 100 + 3)), None);
    }
    assert_eq!(r.in_sync(), None);
    assert!(!r.pending());
}

#[test]
fn driver_req_waits_then_asks_again() {
    let mut r = Requester::new(Mode::DriverReq);
    // No candidate: nothing to ask.
    assert_eq!(r.out_of_sync(0, 100, None), None);
    assert!(!r.pending());
    assert_eq!(
        r.out_of_sync(100, 100, Some(150)),
        Some(Ask::Request { seq: 154 })
    );
    // Unconfirmed for RETRY_FRAMES - 1 frames: wait.
    for i in 1..RETRY_FRAMES {
        assert_eq!(r.out_of_sync(100 + i * 100, 100, Some(100 + i * 100)), None);
    }
    // Not far enough past the candidate yet: wait.
    assert_eq!(
        r.out_of_sync(150 + RETRY_SPAN, 100, Some(160 + RETRY_SPAN)),
        None
    );
    // Then a new candidate is asked about, if the frame has one.
    let s = 151 + RETRY_SPAN;
    assert_eq!(r.out_of_sync(s, 100, None), None);
    assert_eq!(
        r.out_of_sync(s + 100, 100, Some(s + 120)),
        Some(Ask::Request { seq: s + 124 })
    );
    r.confirmed();
    assert!(!r.pending());
    // Back in sync, a new loss asks at once.
    assert_eq!(r.in_sync(), None);
    assert_eq!(
        r.out_of_sync(9000, 100, Some(9001)),
        Some(Ask::Request { seq: 9005 })
    );
}

#[test]
fn async_window_opens_on_a_frame_and_ends_at_the_next() {
    let mut r = Requester::new(Mode::DriverReqAsync);
    // A candidate that started in the frame before cannot be in the window.
    assert_eq!(r.out_of_sync(1000, 100, Some(998)), None);
    assert_eq!(
        r.out_of_sync(1100, 70_000, Some(1200)),
        Some(Ask::AsyncStart {
            seq: 1100,
            len: u16::MAX
        })
    );
    assert_eq!(
        r.out_of_sync(71_100, 100, Some(71_150)),
        Some(Ask::AsyncEnd { seq: 1200 })
    );
    // Waiting for the kernel: nothing more until RETRY_FRAMES frames went by and the stream is
    // RETRY_SPAN past the header.
    for i in 1..RETRY_FRAMES {
        assert_eq!(
            r.out_of_sync(71_100 + i * 100, 100, Some(71_100 + i * 100)),
            None
        );
    }
    assert_eq!(
        r.out_of_sync(1200 + RETRY_SPAN, 100, Some(1200 + RETRY_SPAN)),
        None
    );
    let s = 1201 + RETRY_SPAN;
    assert_eq!(
        r.out_of_sync(s, 100, Some(s + 5)),
        Some(Ask::AsyncStart { seq: s, len: 100 })
    );
    // Sync regained before the window ended: the window is cancelled.
    assert_eq!(r.in_sync(), Some(Ask::AsyncCancel));
    assert_eq!(r.in_sync(), None);
}

#[test]
fn async_candidate_out_of_the_window_is_not_asked_about() {
    let mut r = Requester::new(Mode::DriverReqAsync);
    // The frame is longer than a window can be: a candidate beyond its reach waits.
    assert_eq!(r.out_of_sync(0, 100_000, Some(70_000)), None);
    assert_eq!(
        r.out_of_sync(100_000, 100, Some(100_000)),
        Some(Ask::AsyncStart {
            seq: 100_000,
            len: 100
        })
    );
}

#[test]
fn async_window_is_cancelled_before_rcd_delta_could_wrap() {
    let mut r = Requester::new(Mode::DriverReqAsync);
    assert_eq!(
        r.out_of_sync(u32::MAX - 10, 100, Some(u32::MAX - 5)),
        Some(Ask::AsyncStart {
            seq: u32::MAX - 10,
            len: 100
        })
    );
    // The next frame the device sees lies further than the kernel's count could reach.
    let far = (u32::MAX - 10).wrapping_add(ASYNC_MAX_SPAN + 1);
    assert_eq!(r.out_of_sync(far, 100, Some(far)), Some(Ask::AsyncCancel));
    assert!(!r.pending());
    assert_eq!(
        r.out_of_sync(far + 100, 100, Some(far + 100)),
        Some(Ask::AsyncStart {
            seq: far + 100,
            len: 100
        })
    );
    assert_eq!(
        r.out_of_sync(far + 200, 100, None),
        Some(Ask::AsyncEnd { seq: far + 100 })
    );
}

#[test]
fn async_window_survives_a_reordered_earlier_frame() {
    let mut r = Requester::new(Mode::DriverReqAsync);
    // The later frame came first (reordering): the window opens on it.
    assert_eq!(
        r.out_of_sync(10_000, 1000, Some(10_100)),
        Some(Ask::AsyncStart {
            seq: 10_000,
            len: 1000
        })
    );
    // The earlier frame, just before the window, ends it; it is not a reason to cancel.
    assert_eq!(
        r.out_of_sync(9_000, 1000, None),
        Some(Ask::AsyncEnd { seq: 10_100 })
    );
}

#[test]
fn a_window_open_when_a_frame_bypasses_the_device_is_cancelled() {
    let mut r = Requester::new(Mode::DriverReqAsync);
    assert_eq!(r.bypassed(), None);
    assert!(r.out_of_sync(500, 100, Some(500)).is_some());
    assert_eq!(r.bypassed(), Some(Ask::AsyncCancel));
    assert!(!r.pending());
    // A request waiting for confirmation stays open.
    let mut q = Requester::new(Mode::DriverReq);
    assert!(q.out_of_sync(500, 100, Some(500)).is_some());
    assert_eq!(q.bypassed(), None);
    assert!(q.pending());
}

#[test]
fn a_request_that_never_reached_the_kernel_is_withdrawn() {
    let mut r = Requester::new(Mode::DriverReq);
    assert_eq!(
        r.out_of_sync(0, 100, Some(10)),
        Some(Ask::Request {
            seq: 10 + HEADER_LEN as u32 - 1
        })
    );
    r.withdraw();
    assert!(!r.pending());
    // The next frame out of sync asks at once, without waiting RETRY_FRAMES frames.
    assert_eq!(
        r.out_of_sync(100, 100, Some(120)),
        Some(Ask::Request {
            seq: 120 + HEADER_LEN as u32 - 1
        })
    );
}
