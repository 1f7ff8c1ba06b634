// SPDX-License-Identifier: GPL-2.0

//! Inline TLS 1.2 AES-GCM receive offload: the device's receive record engine.
//!
//! `tls_dev_add` for receive registers the socket's connection in the receiving device's flow
//! table; the flow's view of the stream starts at the first record the socket has not read, or
//! past the records it already holds unread (`start_stream`). For every frame arriving on the
//! device the receive path
//!
//! 1. parses Ethernet, IP and TCP (`tlsnic_core::packet`) and looks the connection up;
//! 2. lets the flow's record tracker (`tlsnic_core::rx::RxStream`) decide: in-order payload is
//!    copied into the flow's own receive buffer (page blocks, never the sender's memory) and
//!    decrypted there as it goes, records spread over many frames included, each tag checked when
//!    its last byte arrives; a record the frame holds whole is opened in one operation, also
//!    when a page block ends inside it (the frame's copy is then in two buffers);
//! 3. delivers a new skb whose payload references the decrypted copy, marked `decrypted`, when
//!    every record byte in the frame was decrypted and every record ending in it authenticated;
//!    otherwise the frame goes up exactly as it arrived and the kernel decrypts in software.
//!
//! After a gap (loss, reordering) the device is out of sync and passes frames up untouched
//! until the kernel tells it where a record starts (`tls_dev_resync`). How that comes about is
//! the flow's resync mode, chosen per device for new flows ([`ResyncKnob`]): the kernel's
//! next-record hints (`TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT`), or the device asking about a
//! header it found in the frames it passes up (`TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ`, or
//! `_DRIVER_REQ_ASYNC` as mlx5 does; `tlsnic_core::rx::resync`). The record at that point is
//! checked first (decrypted only to verify its tag, passed up as received); once it
//! authenticates, the records after it are decrypted again. A record's length is part of its
//! authenticated data, so a chain of authenticated records is what makes the device trust its
//! record boundaries.
//!
//! The engine is the device's choice when the flow was set up (`crate::engine`): the device
//! model's own AES-GCM (`tlsnic_core::gcm`, constant-time, no FPU), or the kernel crypto API's
//! synchronous `ctr(aes)` and `ghash` (`crate::engine::RxEngine`). Both decrypt a record
//! piecewise in counter mode, as a NIC does.

#![forbid(unsafe_code)]

use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::skb::SkBuff;
use crate::base::net::sock::{HeldData, Socket};
use crate::base::net::tls::{Direction, RxResync, RxResyncCtl};
use crate::base::page::FragAlloc;
use crate::base::params;
use crate::base::sync::{new_spinlock_bh, SpinLockBh};
use crate::base::trace::SeqEvent;
use crate::engine::{Engine, EngineFaults, FlowEngine, RxEngine, RxRecord};
use crate::flow::{self, FlowInfo, FlowList, Live, ModeKnob, Refusal, Setup};
use crate::tlsnic_core::{
    packet::{self, FlowKey},
    rx::{
        self,
        resync::{Ask, Mode, Requester},
        RxStream, Skip, Start,
    },
    stats::{Stat, Stats},
    tls12::{Salt, HEADER_LEN},
};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    fmt,
    prelude::*,
    sync::{Arc, ArcBorrow},
};

/// The module parameter's resync mode, checked at module load: `EINVAL` (and a message) if it
/// names none.
pub(crate) fn check_param() -> Result {
    ResyncKnob::check_param("resync", params::resync())
}

/// A device's receive resync mode for new flows (sysfs `tlsnic/resync`; the module parameter
/// `resync` gives new devices theirs). Flows keep the mode they were set up with.
pub(crate) type ResyncKnob = ModeKnob<Mode>;

/// A device's receive resync knob, at the module parameter's mode.
pub(crate) fn resync_knob() -> ResyncKnob {
    ResyncKnob::from_param(params::resync())
}

/// The TLS core's name of `mode`.
fn sync_type(mode: Mode) -> RxResync {
    match mode {
        Mode::NextHint => RxResync::CoreNextHint,
        Mode::DriverReq => RxResync::DriverReq,
        Mode::DriverReqAsync => RxResync::DriverReqAsync,
    }
}

/// Buckets of the flow table.
const BUCKETS: usize = 64;

/// The receiving device's table of receive-offloaded flows, keyed by connection and namespace.
#[pin_data]
pub(crate) struct RxTable {
    /// Flows by `FlowKey::bucket`; a removed flow leaves an empty slot for reuse.
    #[pin]
    buckets: SpinLockBh<[KVec<Option<Arc<RxFlow>>>; BUCKETS]>,
    /// Flows in the table: lets the receive path skip parsing while there are none.
    live: AtomicU32,
}

/// Receive state of one offloaded socket. The socket's TLS context holds one reference (an
/// `Arc`), the device's table another; a frame being decrypted holds a third for as long.
#[pin_data]
pub(crate) struct RxFlow {
    /// Who the flow is (its connection and namespace are the table's key) and what it did.
    info: Arc<FlowInfo>,
    salt: Salt,
    _live: Live,
    /// The flow's line to the TLS core's resync state (its mode and the socket to ask).
    #[pin]
    resync: RxResyncCtl,
    /// Tracker and buffer: taken in the receive path and by `tls_dev_resync`.
    #[pin]
    state: SpinLockBh<RxState>,
}

impl RxFlow {
    /// The flow's resync control block.
    pub(crate) fn resync_ctl(&self) -> &RxResyncCtl {
        &self.resync
    }
}

struct RxState {
    engine: RxEngine,
    stream: RxStream<RxRecord>,
    /// What the device asks the kernel, in the driver-request modes.
    requester: Requester,
    buf: FragAlloc,
}

impl RxTable {
    /// An empty table.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            buckets <- new_spinlock_bh!([const { KVec::new() }; BUCKETS], "tlsnic_rx_table"),
            live: AtomicU32::new(0),
        })
    }

    fn insert(&self, flow: Arc<RxFlow>) -> Result {
        let mut buckets = self.buckets.lock();
        let bucket = &mut buckets[flow.info.key().bucket(BUCKETS)];
        match bucket.as_mut_slice().iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(flow),
            None => bucket.push(Some(flow), GFP_ATOMIC)?,
        }
        self.live.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn remove(&self, flow: &Arc<RxFlow>) {
        let removed = {
            let mut buckets = self.buckets.lock();
            let bucket = &mut buckets[flow.info.key().bucket(BUCKETS)];
            bucket
                .as_mut_slice()
                .iter_mut()
                .find(|slot| slot.as_ref().is_some_and(|f| Arc::ptr_eq(f, flow)))
                .and_then(|slot| slot.take())
        };
        if removed.is_some() {
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
        // `removed` is dropped here, outside the lock.
    }

    fn find(&self, key: &FlowKey, net: u64) -> Option<Arc<RxFlow>> {
        let buckets = self.buckets.lock();
        buckets[key.bucket(BUCKETS)]
            .as_slice()
            .iter()
            .flatten()
            .find(|f| f.info.key() == key && f.info.net() == net)
            .cloned()
    }
}

/// Creates the receive state of a flow of `sock`, enters it in `table` and lists it on the
/// device (`tls_dev_add`, receive).
pub(crate) fn add_rx<T: NetDeviceOps>(
    setup: &Setup<'_, T>,
    table: &RxTable,
    sock: &Socket,
    held: &HeldData<'_>,
    crypto_info: &[u8],
    start_seq: u32,
    mode: Mode,
) -> Result<Arc<RxFlow>, Refusal> {
    let key = flow::flow_key(sock).ok_or(Refusal::Address)?;
    let keys = flow::parse_keys(crypto_info)?;
    let rec_seq = keys.rec_seq;
    let engine = match setup.engine.for_flow().map_err(Refusal::Engine)? {
        FlowEngine::Soft => RxEngine::soft(keys.key.expose()),
        FlowEngine::Kcrypto(_) => setup.engine.kernel_opener(setup.stats, keys.key.expose()),
    }
    .map_err(Refusal::Engine)?;
    let (engine_stat, engine_name) = if engine.is_soft() {
        (Stat::RxEngineSoft, c"soft")
    } else {
        (Stat::RxEngineKcrypto, c"kcrypto")
    };
    match engine.driver_names() {
        [soft, "", _] => flow::report_engine(Direction::Rx, fmt!("{}", soft)),
        [ctr, ghash, ""] => flow::report_engine(Direction::Rx, fmt!("{} + {}", ctr, ghash)),
        [ctr, ghash, whole] => flow::report_engine(
            Direction::Rx,
            fmt!("{} + {} (whole records: {})", ctr, ghash, whole),
        ),
    }
    let flow_info = FlowInfo::new(Direction::Rx, sock, key, &keys, engine_name)?;
    let listed = flow_info.clone();
    let flow = Arc::pin_init(
        pin_init!(RxFlow {
            info: flow_info,
            salt: keys.salt.clone(),
            _live: Live::new(),
            resync <- RxResyncCtl::new(sync_type(mode)),
            state <- new_spinlock_bh!(
                RxState {
                    engine,
                    stream: RxStream::new(start_seq, rec_seq),
                    requester: Requester::new(mode),
                    buf: FragAlloc::new(),
                },
                "tlsnic_rx_flow"
            ),
        }),
        GFP_KERNEL,
    )
    .map_err(|_| Refusal::NoMem)?;
    // Listed first: once in the table, the flow's frames are decrypted, and nothing may fail
    // after that (the core would decrypt them again in software).
    setup.list(&listed)?;
    // Not in the table yet: nothing else uses the state. The socket's spinlock is not taken
    // under the flow's lock: TCP holds it around work (its ACKs) that reaches a device's
    // receive path, which takes flows' locks.
    let (stream, queued) = start_stream(held, start_seq, rec_seq);
    flow.state.lock().stream = stream;
    if table.insert(flow.clone()).is_err() {
        setup.flows.unlist(&listed);
        return Err(Refusal::NoMem);
    }
    let stats = setup.stats;
    stats.inc(engine_stat);
    if queued {
        stats.inc(Stat::RxStartQueued);
    }
    stats.inc(Stat::RxCtx);
    stats.inc(Stat::RxCtxLive);
    setup.added(&listed);
    Ok(flow)
}

/// The record tracker of a new flow whose first record (number `rcd_sn`) starts at
/// `start_seq`, and whether the socket already held data past that record's start (`held`).
/// Such data (it arrived before `tls_dev_add`: in the socket's receive queue, or in its backlog
/// while the setsockopt caller held it) never crosses the device again: the tracker starts where
/// the data the socket holds in order ends, the bytes before the first record boundary there (as
/// the held records' headers give it) going up as received. The boundary is trusted as
/// `start_seq` is when it comes from the receive queue alone, which TCP accepted; one found
/// through the backlog (segments TCP has not checked yet) puts the record there on probation,
/// as does a header the end of the held data cuts (the wire completes it). Where the held data
/// does not tell (a header that cannot be one), the tracker starts at `start_seq` and loses sync
/// at the first frame, to be resynchronised as after a loss. Called just before the flow enters
/// the table, to leave frames as little time as possible to reach the socket unseen.
fn start_stream(held: &HeldData<'_>, start_seq: u32, rcd_sn: u64) -> (RxStream<RxRecord>, bool) {
    let end = held.end();
    if end == start_seq {
        return (RxStream::new(start_seq, rcd_sn), false);
    }
    let trusted = end == held.queue_end();
    match rx::queued_start(start_seq, rcd_sn, end, |seq, buf| held.read(seq, buf)) {
        Some(start) => (RxStream::starting_at(end, start, trusted), true),
        None => (RxStream::new(start_seq, rcd_sn), false),
    }
}

/// Removes a flow (`tls_dev_del`, receive) from `table` and the device's list `flows`. A frame
/// being decrypted right now finishes first (the flow's lock). A kernel engine's key context then
/// goes back to `engine`'s table, wiped, and a frame that found the flow before it left the
/// table goes up as it arrived. A soft engine stays with the flow (such a frame is still
/// decrypted) and its key zeroes itself when the last reference goes.
pub(crate) fn del_rx<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    engine: &Engine,
    table: &RxTable,
    flows: &FlowList,
    flow: Arc<RxFlow>,
) {
    table.remove(&flow);
    flows.remove(dev, &flow.info);
    let opener = flow.state.lock().engine.retire();
    engine.retire_opener(stats, opener);
    stats.inc(Stat::RxDel);
    stats.dec(Stat::RxCtxLive);
}

/// The kernel's resync point (`tls_dev_resync`, receive) for `dev`'s flow `flow`: its
/// next-record hint, or its confirmation of what the device asked, by the flow's mode.
pub(crate) fn resync_rx<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    flow: ArcBorrow<'_, RxFlow>,
    seq: u32,
    rcd_sn: u64,
) {
    stats.inc(Stat::RxResyncReq);
    flow.info.resync();
    let mut state = flow.state.lock();
    let mode = state.requester.mode();
    let hint = mode.hint(seq, rcd_sn);
    state.requester.confirmed();
    state.stream.resync(hint);
    drop(state);
    let reason = match mode {
        Mode::NextHint => c"next-hint",
        Mode::DriverReq => c"driver-req-confirmed",
        Mode::DriverReqAsync => c"driver-req-async-confirmed",
    };
    flow.info
        .trace(dev, SeqEvent::ResyncRequest, reason, hint.seq, 0);
}

/// Asks the kernel what the flow's [`Requester`] decided (the driver-request modes), counts and
/// traces it; called under the flow's lock. A flow not connected to its socket (before
/// `tls_dev_add` connected it, after `tls_dev_del`) asks nothing, and `requester` withdraws
/// what it decided.
fn ask<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    flow: &RxFlow,
    requester: &mut Requester,
    ask: Ask,
) {
    let ctl = &flow.resync;
    let (sent, stat, reason, seq, len) = match ask {
        Ask::Request { seq } => (
            ctl.request(seq),
            Stat::RxResyncDrvReq,
            c"driver-req",
            seq.wrapping_sub(HEADER_LEN as u32 - 1),
            HEADER_LEN as u32,
        ),
        Ask::AsyncStart { seq, len } => (
            ctl.async_start(seq, len),
            Stat::RxResyncAsyncStart,
            c"driver-req-async",
            seq,
            u32::from(len),
        ),
        Ask::AsyncEnd { seq } => (
            ctl.async_end(seq),
            Stat::RxResyncAsyncEnd,
            c"driver-req-async-end",
            seq,
            HEADER_LEN as u32,
        ),
        Ask::AsyncCancel => (
            ctl.async_cancel(),
            Stat::RxResyncAsyncCancel,
            c"driver-req-async-cancel",
            0,
            0,
        ),
    };
    if sent {
        stats.inc(stat);
        flow.info
            .trace(dev, SeqEvent::ResyncRequest, reason, seq, len);
    } else {
        requester.withdraw();
    }
}

/// The receive path of `dev` for one frame off the wire: returns the frame to deliver, either
/// `skb` itself or a decrypted copy of it.
pub(crate) fn receive<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    table: &RxTable,
    faults: &EngineFaults,
    skb: SkBuff,
) -> SkBuff {
    if table.live.load(Ordering::Relaxed) == 0 {
        return skb;
    }
    let mut head = [0u8; packet::MAX_HEADERS];
    let n = (skb.len() as usize).min(head.len());
    if !skb.copy_bits(0, &mut head[..n]) {
        return skb;
    }
    let Some(seg) = packet::parse(&head[..n], skb.len() as usize) else {
        return skb;
    };
    if seg.payload_len == 0 {
        return skb;
    }
    let Some(flow) = table.find(&seg.key, dev.net().cookie()) else {
        return skb;
    };
    let fallback = |reason| {
        flow.info.trace(
            dev,
            SeqEvent::Fallback,
            reason,
            seg.seq,
            seg.payload_len as u32,
        )
    };
    if !skb.csum_trusted() {
        // The stack verifies this one; the device leaves it alone (and will see a gap). The
        // kernel parses its records all the same: an asynchronous window still open is
        // cancelled, so that the kernel's count of records for it stays bounded.
        stats.inc(Stat::RxSkip);
        let mut guard = flow.state.lock();
        let RxState { requester, .. } = &mut *guard;
        if let Some(a) = requester.bypassed() {
            ask(dev, stats, &flow, requester, a);
        }
        drop(guard);
        fallback(c"checksum");
        return skb;
    }
    let mut guard = flow.state.lock();
    let RxState {
        engine,
        stream,
        requester,
        buf,
    } = &mut *guard;
    if engine.retired() {
        // The flow ended (`del_rx`) after this frame found it.
        return skb;
    }
    match stream.begin(seg.seq, seg.payload_len as u32) {
        Start::Process => {}
        Start::Skip(Skip::Empty) => return skb,
        Start::Skip(Skip::Duplicate) => {
            stats.inc(Stat::RxSkip);
            return skb;
        }
        Start::Skip(why) => {
            if why == Skip::Lost {
                stats.inc(Stat::RxOoo);
            }
            stats.inc(Stat::RxSkip);
            let candidate = observe(stream, &skb, &seg);
            // The frame has not gone up yet: the kernel parses its headers after the request.
            // Under the flow's lock, so that the kernel sees the flow's requests in order.
            if let Some(a) = requester.out_of_sync(seg.seq, seg.payload_len as u32, candidate) {
                ask(dev, stats, &flow, requester, a);
            }
            // Under the flow's lock, so that the flows view sees the latest frame's state.
            flow.info.set_sync(false);
            drop(guard);
            fallback(if why == Skip::Lost {
                c"lost"
            } else {
                c"out-of-sync"
            });
            return skb;
        }
    }
    let mut out = skb.copy_for_rewrite(seg.payload_off as u32, true);
    let mut off = seg.payload_off;
    let mut left = seg.payload_len;
    while left > 0 {
        let Some(out_skb) = out.as_mut() else { break };
        // The copy goes into one buffer, or more where page blocks end inside the frame; a
        // record the frame holds whole is opened whole across two of them (`feed_parts`).
        let Some(mut run) = buf.reserve_run(left) else {
            out = None;
            break;
        };
        let mut parts = run.parts();
        let (mut len, mut copied, mut hit) = (0, true, false);
        for part in parts.iter_mut().filter(|p| !p.is_empty()) {
            copied &= skb.copy_bits((off + len) as u32, part);
            // Each region draws the fault, as when each was fed on its own; a hit fails the
            // run's next engine operation.
            hit |= faults.hit();
            len += part.len();
        }
        if !copied {
            out = None;
            break;
        }
        engine.inject(hit);
        stream.feed_parts(engine, flow.salt.bytes(), &mut parts);
        engine.inject(false);
        if !run.into_regions().all(|r| out_skb.attach(r)) {
            out = None;
            break;
        }
        off += len;
        left -= len;
    }
    // Short of memory, the rest of the frame was not fed: the tracker loses sync.
    let verdict = stream.end();
    let synced = stream.synced();
    if synced {
        // An asynchronous window still open is cancelled (under the lock, as above).
        if let Some(a) = requester.in_sync() {
            ask(dev, stats, &flow, requester, a);
        }
    }
    let mode = requester.mode();
    let engine_errors = engine.take_errors();
    let (whole, split) = engine.take_whole();
    let info = &flow.info;
    info.set_sync(synced);
    drop(guard);
    if whole != 0 {
        stats.add(Stat::RxRecordsWhole, whole.into());
        stats.add(Stat::RxRecordsWholeSplit, split.into());
    }
    if engine_errors != 0 {
        stats.add(Stat::RxEngineErr, engine_errors.into());
        info.trace_engine_fault(dev, engine_errors);
    }
    if verdict.auth_failed != 0 {
        stats.add(Stat::RxErr, verdict.auth_failed.into());
    }
    if verdict.records_ok != 0 {
        stats.add(Stat::RxRecords, verdict.records_ok.into());
        info.count(verdict.records_ok.into(), 0);
    }
    if verdict.resumed {
        stats.inc(Stat::RxResyncOk);
        stats.inc(match mode {
            Mode::NextHint => Stat::RxResyncOkHint,
            Mode::DriverReq => Stat::RxResyncOkDrvReq,
            Mode::DriverReqAsync => Stat::RxResyncOkAsync,
        });
        info.trace(
            dev,
            SeqEvent::ResyncDone,
            c"hint-reached",
            seg.seq,
            seg.payload_len as u32,
        );
    }
    if verdict.bad_header {
        stats.inc(Stat::RxOoo);
    }
    if out.is_none() {
        stats.inc(Stat::RxNoMem);
    }
    match out.and_then(|o| o.into_skb()) {
        // After an engine error, some of the payload may not be what the engine should have
        // made of it: the frame goes up as it arrived.
        Some(mut decrypted) if verdict.decrypted && engine_errors == 0 => {
            decrypted.set_decrypted();
            stats.inc(Stat::RxDecryptedPackets);
            stats.add(Stat::RxDecryptedBytes, seg.payload_len as u64);
            info.count(0, seg.payload_len as u64);
            skb.consume();
            decrypted
        }
        out => {
            stats.inc(Stat::RxSkip);
            fallback(if engine_errors != 0 {
                c"engine"
            } else if verdict.auth_failed != 0 {
                c"auth-failed"
            } else if out.is_none() {
                c"no-memory"
            } else if verdict.bad_header {
                c"bad-header"
            } else if !synced {
                c"out-of-sync"
            } else {
                c"resync-probation"
            });
            skb
        }
    }
}

/// Shows an out-of-sync flow's tracker the payload of a frame it skips, so that it can follow a
/// resync point that arrives after the frame went by (see `RxStream::observe`). Reads the
/// payload through a small buffer; the frame is not changed. Returns the first plausible record
/// header seen (the candidate the driver-request modes ask about).
fn observe(stream: &mut RxStream<RxRecord>, skb: &SkBuff, seg: &packet::Segment) -> Option<u32> {
    let mut buf = [0u8; 256];
    let mut off = 0;
    let mut first = None;
    while off < seg.payload_len {
        let n = (seg.payload_len - off).min(buf.len());
        if !skb.copy_bits((seg.payload_off + off) as u32, &mut buf[..n]) {
            return first;
        }
        let found = stream.observe(seg.seq.wrapping_add(off as u32), &buf[..n]);
        first = first.or(found);
        off += n;
    }
    first
}
