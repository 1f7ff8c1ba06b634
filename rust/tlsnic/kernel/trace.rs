// SPDX-License-Identifier: GPL-2.0

//! tlsnic's tracepoints, trace system `tlsnic` (`/sys/kernel/tracing/events/tlsnic/`), defined
//! in `rust/shim/tlsnic_trace.h` and fired through the shim's out-of-line `trace_*()` copies.
//! While an event is off its helper returns after one static branch.
//!
//! Every event starts with the flow it concerns ([`FlowId`]). The arguments are typed so that
//! nothing secret can be passed: addresses, ports, a namespace cookie, names, TCP sequence
//! numbers and counts.
//!
//! C header: [`include/linux/tracepoint.h`](srctree/include/linux/tracepoint.h).

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::tls::Direction;
use core::ffi::CStr;

/// Who a flow is, as every tlsnic event shows it (`struct tlsnic_trace_flow`).
#[repr(transparent)]
pub(crate) struct FlowId(bindings::tlsnic_trace_flow);

/// One end of a flow: an IPv6 or IPv4-mapped address and a port in host order.
pub(crate) struct End<'a> {
    pub(crate) addr: &'a [u8; 16],
    pub(crate) port: u16,
}

impl FlowId {
    /// The flow of direction `dir` between `local` and `remote` in the namespace with cookie
    /// `netns`.
    pub(crate) fn new(dir: Direction, local: End<'_>, remote: End<'_>, netns: u64) -> Self {
        Self(bindings::tlsnic_trace_flow {
            local: *local.addr,
            remote: *remote.addr,
            netns,
            lport: local.port,
            rport: remote.port,
            dir: match dir {
                Direction::Tx => 0,
                Direction::Rx => 1,
            },
        })
    }
}

/// `tlsnic:tlsnic_flow_add`: `dev` offloads the flow, with cipher `cipher` on engine `engine`;
/// `policy` is the flow policy's verdict (`offload`, or `none` without a program).
pub(crate) fn flow_add<T: NetDeviceOps>(
    dev: &Device<T>,
    id: &FlowId,
    cipher: &CStr,
    engine: &CStr,
    policy: &CStr,
) {
    // SAFETY: `dev` is a live device; the other pointers are valid for the call, and the
    // strings NUL-terminated. The event copies what it keeps.
    unsafe {
        bindings::tlsnic_trace_flow_add(
            dev.as_raw(),
            &id.0,
            cipher.as_ptr().cast(),
            engine.as_ptr().cast(),
            policy.as_ptr().cast(),
        )
    }
}

/// `tlsnic:tlsnic_flow_refused`: `dev` refused the flow with `err` for `reason`; it stays on
/// software kTLS.
pub(crate) fn flow_refused<T: NetDeviceOps>(
    dev: &Device<T>,
    id: &FlowId,
    cipher: &CStr,
    policy: &CStr,
    reason: &CStr,
    err: i32,
) {
    // SAFETY: as in `flow_add`.
    unsafe {
        bindings::tlsnic_trace_flow_refused(
            dev.as_raw(),
            &id.0,
            cipher.as_ptr().cast(),
            policy.as_ptr().cast(),
            reason.as_ptr().cast(),
            err,
        )
    }
}

/// What a flow did in its life, for `tlsnic:tlsnic_flow_del`.
pub(crate) struct FlowTotals {
    pub(crate) records: u64,
    pub(crate) bytes: u64,
    pub(crate) resyncs: u64,
    pub(crate) age_ms: u64,
}

/// `tlsnic:tlsnic_flow_del`: the flow's offload ended.
pub(crate) fn flow_del<T: NetDeviceOps>(dev: &Device<T>, id: &FlowId, t: &FlowTotals) {
    // SAFETY: as in `flow_add`.
    unsafe {
        bindings::tlsnic_trace_flow_del(
            dev.as_raw(),
            &id.0,
            t.records,
            t.bytes,
            t.resyncs,
            t.age_ms,
        )
    }
}

/// The events of one flow at one TCP sequence number, with a reason.
#[derive(Clone, Copy)]
pub(crate) enum SeqEvent {
    /// `tlsnic:tlsnic_resync_request`: the core asked the device to resynchronise.
    ResyncRequest,
    /// `tlsnic:tlsnic_resync_done`: the device reached the core's hint and takes the stream up
    /// again.
    ResyncDone,
    /// `tlsnic:tlsnic_record_drop`: a transmitted segment was dropped, not sent in clear.
    RecordDrop,
    /// `tlsnic:tlsnic_fallback`: a received segment went up as it arrived, for software kTLS.
    Fallback,
}

/// Fires `event` for the flow at `seq`, `len` bytes, for `reason`.
pub(crate) fn seq_event<T: NetDeviceOps>(
    dev: &Device<T>,
    event: SeqEvent,
    id: &FlowId,
    reason: &CStr,
    seq: u32,
    len: u32,
) {
    let f = match event {
        SeqEvent::ResyncRequest => bindings::tlsnic_trace_resync_request,
        SeqEvent::ResyncDone => bindings::tlsnic_trace_resync_done,
        SeqEvent::RecordDrop => bindings::tlsnic_trace_record_drop,
        SeqEvent::Fallback => bindings::tlsnic_trace_fallback,
    };
    // SAFETY: as in `flow_add`.
    unsafe { f(dev.as_raw(), &id.0, reason.as_ptr().cast(), seq, len) }
}

/// `tlsnic:tlsnic_engine_fault`: the flow's engine `engine` failed `count` operations.
pub(crate) fn engine_fault<T: NetDeviceOps>(
    dev: &Device<T>,
    id: &FlowId,
    engine: &CStr,
    count: u32,
) {
    // SAFETY: as in `flow_add`.
    unsafe {
        bindings::tlsnic_trace_engine_fault(dev.as_raw(), &id.0, engine.as_ptr().cast(), count)
    }
}
