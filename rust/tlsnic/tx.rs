// SPDX-License-Identifier: GPL-2.0

//! Inline TLS 1.2 AES-GCM transmit offload: the device's record engine.
//!
//! The kernel's `tls` ULP hands the device plaintext records framed as on the wire (header,
//! explicit nonce, plaintext, room for the tag); see `tlsnic_core::tls12`. For each outgoing
//! segment of an offloaded socket the device:
//!
//! 1. finds the record(s) covering the segment's TCP sequence range (`tls_get_record`),
//! 2. makes sure the record is sealed in the flow's record block ([`RecordSealer`]): it seals the
//!    record once, reading it from the socket's retransmit queue pages (never modified,
//!    referenced while in use), with the flow's engine; `tlsnic_core::tx::TxRecords` keeps
//!    track of which record the block holds,
//! 3. builds a new skb with the original's headers whose payload references the sealed record
//!    blocks at the segment's offsets (page fragments; a block is never written again once an skb
//!    references it), or holds a copy of them when the segment crosses more records than an skb
//!    has fragment slots; sends it and frees the original.
//!
//! The engine is the device's choice when the flow was set up (`crate::engine`): the kernel crypto
//! API (`gcm(aes)` or a named AEAD) or the soft engine. When the kernel transform completes
//! asynchronously, the segment waits in the device's deferred queue ([`TxDeferred`]), and so does
//! every later segment of the flow; the completion kicks the device's work, which sends them in
//! order, resuming a segment whose records were being sealed where it stopped.
//!
//! In-order traffic therefore runs each payload byte through the cipher once: the block keeps
//! the last sealed record, so a record split across segments is served from it. A segment of an
//! older record (a retransmission, counted in `tx_tls_ooo`) rebuilds that record from its start
//! (the "crypto state rebuilding" of tls-offload.rst); the next in-order segment rebuilds the
//! current one. Anything that cannot be encrypted is dropped and counted, never sent in clear;
//! TCP retransmits it.
//!
//! That is the `rebuild` transmit resync mode. In the `request` mode
//! (`tlsnic_core::tx::sync`, chosen per device for new flows) the device counts record numbers
//! itself: a segment its context cannot place goes to the kernel's software fallback
//! (`tls_encrypt_skb`), and after a gap the device asks the core for a resync point
//! (`tls_offload_tx_resync_request`), which the core gives through `tls_dev_resync`
//! ([`resync_tx`]).

#![forbid(unsafe_code)]

use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::skb::{RewriteSkb, SkBuff, SkBuffRef};
use crate::base::net::sock::Socket;
use crate::base::net::tls::{
    tx::{Lookup, TxSkb},
    Direction, TlsDevOps,
};
use crate::base::params;
use crate::base::sync::{new_spinlock_bh, Rcu, SpinLockBh};
use crate::base::trace::SeqEvent;
use crate::base::workqueue::{DeviceWork, Kick};
use crate::engine::{Engine, EngineFaults, FlowEngine, RecordSealer};
use crate::flow::{self, FlowInfo, Live, ModeKnob, Refusal, Setup};
use crate::tlsnic_core::{
    fifo::Fifo,
    stats::{Stat, Stats},
    tls12::{self, MarkerCheck, Span, PREPEND_LEN},
    tx::{
        sync::{Mode, Placement, TxContext},
        Polled, SealError, SealFault, Sealer, TxRecords,
    },
};
use core::ffi::CStr;
use kernel::{fmt, prelude::*, sync::Arc};

/// The module parameter's transmit resync mode, checked at module load: `EINVAL` (and a message)
/// if it names none.
pub(crate) fn check_param() -> Result {
    TxResyncKnob::check_param("tx_resync", params::tx_resync())
}

/// A device's transmit resync mode for new flows (sysfs `tlsnic/tx_resync`; the module parameter
/// `tx_resync` gives new devices theirs). Flows keep the mode they were set up with.
pub(crate) type TxResyncKnob = ModeKnob<Mode>;

/// A device's transmit resync knob, at the module parameter's mode.
pub(crate) fn tx_resync_knob() -> TxResyncKnob {
    TxResyncKnob::from_param(params::tx_resync())
}

/// Packets a device holds for an asynchronous engine; more are dropped (TCP retransmits them).
const DEFERRED_MAX: usize = 256;

/// Transmit state of one offloaded socket.
#[pin_data]
pub(crate) struct TxFlow {
    /// Implicit part of every record's nonce.
    salt: tls12::Salt,
    /// Who the flow is and what it did (the device's flow list, tracepoints).
    pub(crate) info: Arc<FlowInfo>,
    _live: Live,
    /// Engine and record bookkeeping. Taken in the transmit path (softirq or BH disabled) and by
    /// `tls_dev_resync` (process context).
    #[pin]
    state: SpinLockBh<TxState>,
}

/// What the socket's TLS context holds for a transmit-offloaded flow.
pub(crate) type TxHandle = Pin<KBox<TxFlow>>;

struct TxState {
    sealer: RecordSealer,
    records: TxRecords,
    /// Where the device's records are (the flow's transmit resync mode).
    ctx: TxContext,
    /// A segment whose encrypted copy was partly built when a record went asynchronous.
    partial: Option<Partial>,
    /// Segments of this flow in the device's deferred queue: later ones queue behind them.
    queued: u32,
}

/// An encrypted copy in progress (see [`TxState::partial`]).
struct Partial {
    seg: Span,
    out: RewriteSkb,
    pos: u32,
    frags: bool,
}

/// A device's queue of packets waiting for an asynchronous engine, and the work that sends
/// them.
#[pin_data]
pub(crate) struct TxDeferred<T: NetDeviceOps> {
    /// Declared first: cancelled before the queue is freed.
    work: DeviceWork<T>,
    /// Each packet's other reference: the transmit path consumed its own after queueing it.
    #[pin]
    queue: SpinLockBh<Fifo<SkBuffRef, DEFERRED_MAX>>,
}

impl<T: NetDeviceOps> TxDeferred<T> {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            work: DeviceWork::new(),
            queue <- new_spinlock_bh!(Fifo::new(), "tlsnic_tx_deferred"),
        })
    }

    /// A kick for the device's work, which runs `run` (allocated on first use). Process
    /// context.
    pub(crate) fn kick_source(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result<Kick> {
        self.work.kick_source(dev, run)
    }

    /// Drops every waiting packet (the device is going down).
    pub(crate) fn purge(&self, stats: &Stats) {
        loop {
            let Some(skb) = self.queue.lock().pop_front() else {
                return;
            };
            stats.dec(Stat::TxAsyncPending);
            stats.inc(Stat::TxDropAsync);
            drop(skb);
        }
    }
}

/// Creates the transmit state of a flow of `sock` (`tls_dev_add`, transmit direction) on the
/// device's current engine and lists it on the device. `kick` gives the device's deferred work,
/// for an asynchronous engine.
pub(crate) fn add_tx<T: NetDeviceOps>(
    setup: &Setup<'_, T>,
    kick: impl FnOnce() -> Result<Kick>,
    sock: &Socket,
    crypto_info: &[u8],
    start_seq: u32,
    mode: Mode,
) -> Result<TxHandle, Refusal> {
    let key = flow::flow_key(sock).ok_or(Refusal::Address)?;
    let keys = flow::parse_keys(crypto_info)?;
    let choice = setup.engine.for_flow().map_err(Refusal::Engine)?;
    let (engine_stat, engine_name) = match choice {
        FlowEngine::Soft => (Stat::TxEngineSoft, c"soft"),
        FlowEngine::Kcrypto(_) => (Stat::TxEngineKcrypto, c"kcrypto"),
    };
    let sealer = match choice {
        FlowEngine::Soft => RecordSealer::soft(keys.key.expose()),
        FlowEngine::Kcrypto(alg) => kick().and_then(|kick| {
            setup
                .engine
                .kernel_sealer(setup.stats, alg, keys.key.expose(), kick)
        }),
    }
    .map_err(Refusal::Engine)?;
    flow::report_engine(Direction::Tx, fmt!("{}", sealer.driver_name()));
    let flow_info = FlowInfo::new(Direction::Tx, sock, key, &keys, engine_name)?;
    let listed = flow_info.clone();
    let salt = keys.salt.clone();
    let flow = KBox::pin_init(
        pin_init!(TxFlow {
            salt,
            info: flow_info,
            _live: Live::new(),
            state <- new_spinlock_bh!(TxState {
                sealer,
                records: TxRecords::new(start_seq),
                ctx: TxContext::new(mode, start_seq, keys.rec_seq),
                partial: None,
                queued: 0,
            }, "tlsnic_tx_flow"),
        }),
        GFP_KERNEL,
    )
    .map_err(|_| Refusal::NoMem)?;
    // `keys` (and with it the key bytes) is wiped here; the transform keeps its own schedule.
    drop(keys);
    setup.list(&listed)?;
    let stats = setup.stats;
    stats.inc(engine_stat);
    stats.inc(Stat::TxCtx);
    stats.inc(Stat::TxCtxLive);
    setup.added(&listed);
    Ok(flow)
}

/// Destroys the transmit state of a flow (`tls_dev_del`), taking it off the device's list
/// `flows`. A kernel engine's key context goes back to `engine`'s table, wiped (after an
/// asynchronous request in flight completes); the soft key zeroes itself when the flow is
/// dropped. Its packets still in the device's deferred queue are dropped when the work reaches
/// them (their socket is no longer offloaded).
pub(crate) fn del_tx<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    engine: &Engine,
    flows: &flow::FlowList,
    flow: TxHandle,
) {
    flows.remove(dev, &flow.info);
    let sealer = flow.state.lock().sealer.retire();
    engine.retire_sealer(stats, sealer);
    drop(flow);
    stats.inc(Stat::TxDel);
    stats.dec(Stat::TxCtxLive);
}

/// `tls_dev_resync` for transmit: record `rcd_sn` starts at TCP sequence number `seq`, the
/// start of the next record the socket pushes. The core calls it after the device asked
/// ([`TxSkb::request_resync`], request mode); the flow's context resumes there.
pub(crate) fn resync_tx<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    flow: &TxFlow,
    seq: u32,
    rcd_sn: u64,
) {
    stats.inc(Stat::TxResync);
    let mut st = flow.state.lock();
    let answered = st.ctx.resync(seq, rcd_sn);
    if answered {
        // Under the lock, so that a loss the transmit path sees next is shown after this.
        flow.info.set_sync(true);
    }
    drop(st);
    flow.info.resync();
    flow.info.trace(dev, SeqEvent::ResyncRequest, c"tx", seq, 0);
    if answered {
        // The device's context resumes at the record the socket is pushing.
        flow.info
            .trace(dev, SeqEvent::ResyncDone, c"tx-resync-point", seq, 0);
    }
}

/// Why a segment was not encrypted.
enum DropReason {
    /// Its first byte precedes the start of offload (the start marker ends at this sequence
    /// number): it was encrypted in software, and goes out untouched if wholly before it.
    BeforeOffload(u32),
    NoSync,
    Bypass,
    BadRecord,
    Engine,
    NoMem,
    /// A record went to an asynchronous engine: the segment waits.
    Pending,
    /// The device's context cannot place the segment (request mode): the kernel's software
    /// fallback encrypts it. `lost`: the context is lost, and the device asks the core for a
    /// resync point; `expected` is where it expected the next record.
    Fallback {
        lost: bool,
        expected: Option<u32>,
    },
}

impl DropReason {
    /// The reason the `tlsnic_record_drop` tracepoint shows.
    fn name(&self) -> &'static CStr {
        match self {
            DropReason::NoSync => c"no-record",
            DropReason::Bypass | DropReason::BeforeOffload(_) => c"mixed-with-software",
            DropReason::BadRecord => c"bad-record",
            DropReason::Engine => c"engine",
            DropReason::NoMem => c"no-memory",
            DropReason::Pending => c"engine-busy",
            DropReason::Fallback { .. } => c"sw-fallback",
        }
    }

    fn stat(&self) -> Stat {
        match self {
            DropReason::NoSync => Stat::TxDropNoSyncData,
            // Only reaches the counters when the marker shows up inside a segment.
            DropReason::Bypass | DropReason::BeforeOffload(_) => Stat::TxDropBypassReq,
            DropReason::BadRecord => Stat::TxDropBadRecord,
            DropReason::Engine | DropReason::Pending => Stat::TxDropEngine,
            DropReason::Fallback { .. } => Stat::TxDropSwFallback,
            DropReason::NoMem => Stat::TxDropNoMem,
        }
    }
}

/// What the transmit hook did with a packet.
pub(crate) enum Xmit {
    /// Put this on the wire (the original, or its encrypted copy).
    Send(SkBuff),
    /// It waits in the device's deferred queue for an asynchronous engine.
    Deferred,
    /// Dropped (counted); TCP retransmits it.
    Dropped,
}

/// What the transmit path consults besides the flow.
pub(crate) struct Env<'a> {
    pub(crate) stats: &'a Stats,
    pub(crate) faults: &'a EngineFaults,
}

/// The counted outcome of [`encrypt`] for a segment that did not wait.
enum Settled {
    /// Send this encrypted copy; the original is consumed.
    Encrypted(SkBuff),
    /// Send the original as it is (it precedes the start of offload).
    AsIs,
    /// Drop the original.
    Dropped,
}

/// Counts what [`encrypt`] made of a segment of `dev`'s flow `flow` at `seq`, `payload_len`
/// bytes (anything but `Pending`), and traces a drop: the tail `xmit` and `drain` share.
fn settle<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    flow: &TxFlow,
    seq: u32,
    payload_len: u32,
    result: Result<Option<SkBuff>, DropReason>,
) -> Settled {
    match result {
        Ok(Some(out)) => {
            stats.inc(Stat::TxEncryptedPackets);
            stats.add(Stat::TxEncryptedBytes, u64::from(payload_len));
            Settled::Encrypted(out)
        }
        Ok(None) => {
            stats.inc(Stat::TxSkipNoSyncData);
            Settled::AsIs
        }
        Err(why) => {
            stats.inc(why.stat());
            flow.info
                .trace(dev, SeqEvent::RecordDrop, why.name(), seq, payload_len);
            if let DropReason::Engine = why {
                flow.info.trace_engine_fault(dev, 1);
            }
            Settled::Dropped
        }
    }
}

/// Transmit hook of `dev`, whose deferred queue is `deferred`.
pub(crate) fn xmit<T: TlsDevOps<TxFlow = TxHandle>>(
    rcu: &Rcu,
    dev: &Device<T>,
    deferred: &TxDeferred<T>,
    env: &Env<'_>,
    skb: SkBuff,
) -> Xmit {
    let stats = env.stats;
    let Some(tx) = skb.tls_tx(rcu, dev) else {
        return Xmit::Send(skb);
    };
    if tx.payload_len() == 0 {
        return Xmit::Send(skb);
    }
    let flow = tx.flow();
    let mut st = flow.state.lock();
    if st.records.is_retransmit(tx.seq()) {
        stats.inc(Stat::TxOoo);
    }
    // Behind this flow's waiting segments, or while its engine is busy: wait too.
    let result = if st.queued > 0 || st.sealer.busy() {
        Err(DropReason::Pending)
    } else {
        encrypt(&mut st, &skb, &tx, flow.salt.bytes(), env)
    };
    if let Err(DropReason::Pending) = result {
        // Queued under the flow's lock, so the flow's segments stay in order. The queue takes
        // its own reference: ours borrows the flow.
        return match deferred.queue.lock().push_back(skb.get()) {
            Ok(()) => {
                st.queued += 1;
                drop(st);
                stats.inc(Stat::TxAsyncQueued);
                stats.inc(Stat::TxAsyncPending);
                skb.consume();
                Xmit::Deferred
            }
            Err(extra) => {
                // The segment is gone: a retransmission of it starts over.
                st.partial = None;
                drop(st);
                drop(extra);
                stats.inc(Stat::TxDropAsync);
                flow.info.trace(
                    dev,
                    SeqEvent::RecordDrop,
                    c"queue-full",
                    tx.seq(),
                    tx.payload_len(),
                );
                Xmit::Dropped
            }
        };
    }
    if let Err(DropReason::Fallback { lost, expected }) = result {
        let info = fallback_prepare(dev, stats, flow, &mut st, &tx, lost, expected);
        drop(st);
        return match sw_fallback(dev, stats, &info, &tx_span(&tx), skb) {
            Some(out) => Xmit::Send(out),
            None => Xmit::Dropped,
        };
    }
    let settled = settle(dev, stats, flow, tx.seq(), tx.payload_len(), result);
    drop(st);
    match settled {
        Settled::Encrypted(out) => {
            skb.consume();
            Xmit::Send(out)
        }
        Settled::AsIs => Xmit::Send(skb),
        Settled::Dropped => Xmit::Dropped,
    }
}

/// The device's deferred work: sends waiting packets in order with `send`, until the queue is
/// empty or its head waits for an engine that is still busy (the next completion kicks the
/// work again). At most one queue's worth per run (BH is disabled meanwhile); if more waits,
/// the work is kicked again. Inside `rcu_read_lock_bh`.
pub(crate) fn drain<T: TlsDevOps<TxFlow = TxHandle>>(
    rcu: &Rcu,
    dev: &Device<T>,
    deferred: &TxDeferred<T>,
    env: &Env<'_>,
    mut send: impl FnMut(SkBuff),
) {
    let stats = env.stats;
    if !dev.is_running() {
        deferred.purge(stats);
        return;
    }
    for _ in 0..DEFERRED_MAX {
        let Some(queued) = deferred.queue.lock().pop_front() else {
            return;
        };
        stats.dec(Stat::TxAsyncPending);
        // The transmit path consumed its own reference when it queued the packet.
        let Ok(skb) = queued.into_owned() else {
            stats.inc(Stat::TxDropAsync);
            continue;
        };
        let Some(tx) = skb.tls_tx(rcu, dev) else {
            // The flow went away (socket closed, offload turned off): never send it in clear.
            stats.inc(Stat::TxDropAsync);
            drop(skb);
            continue;
        };
        let flow = tx.flow();
        let mut st = flow.state.lock();
        let result = if st.sealer.busy() {
            Err(DropReason::Pending)
        } else {
            encrypt(&mut st, &skb, &tx, flow.salt.bytes(), env)
        };
        if let Err(DropReason::Pending) = result {
            // Back in front; the completion of the busy request kicks the work again.
            let pushed = deferred.queue.lock().push_front(skb.get());
            drop(st);
            match pushed {
                Ok(()) => stats.inc(Stat::TxAsyncPending),
                Err(extra) => {
                    // Cannot happen (a slot was just freed), but never lose track.
                    drop(extra);
                    stats.inc(Stat::TxDropAsync);
                }
            }
            skb.consume();
            return;
        }
        st.queued = st.queued.saturating_sub(1);
        if let Err(DropReason::Fallback { lost, expected }) = result {
            let info = fallback_prepare(dev, stats, flow, &mut st, &tx, lost, expected);
            let span = tx_span(&tx);
            // The fallback runs after the flow's lock is released, as in the transmit hook (the
            // encrypted copy owns the socket once made, and the flow may go once the socket is
            // gone). If this was the flow's last queued segment, the transmit hook may send the
            // flow's next one first: reordering on the wire, which TCP absorbs.
            drop(st);
            if let Some(out) = sw_fallback(dev, stats, &info, &span, skb) {
                stats.inc(Stat::TxAsyncSent);
                send(out);
            }
            continue;
        }
        match settle(dev, stats, flow, tx.seq(), tx.payload_len(), result) {
            Settled::Encrypted(out) => {
                stats.inc(Stat::TxAsyncSent);
                // Sent under the flow's lock: a later segment of the flow cannot overtake it.
                send(out);
                drop(st);
                skb.consume();
            }
            Settled::AsIs => {
                drop(st);
                send(skb);
            }
            Settled::Dropped => drop(st),
        }
    }
    // A full run's worth went out and more may wait: let others run, then go on.
    deferred.work.kick(rcu);
}

/// The payload of `tx` in the TCP stream.
fn tx_span(tx: &TxSkb<'_, TxHandle>) -> Span {
    Span {
        start: tx.seq(),
        len: tx.payload_len(),
    }
}

/// Before a segment of `flow` goes to the kernel's software fallback, under the flow's lock
/// `st`: notes it as sent and, if the device's context is `lost`, asks the core for a resync
/// point (the lock serialises the flow's requests); counts and traces a request made. Returns
/// the flow's identity for [`sw_fallback`], which runs once the lock is released.
fn fallback_prepare<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    flow: &TxFlow,
    st: &mut TxState,
    tx: &TxSkb<'_, TxHandle>,
    lost: bool,
    expected: Option<u32>,
) -> Arc<FlowInfo> {
    let got = tx.seq();
    st.records.sent(tx_span(tx));
    if lost {
        flow.info.set_sync(false);
    }
    if lost && tx.request_resync(got, expected.unwrap_or(got)) {
        stats.inc(Stat::TxResyncReq);
        // The event's length is the gap the device saw (0 if its context was lost before).
        let gap = expected.map_or(0, |e| got.wrapping_sub(e));
        flow.info
            .trace(dev, SeqEvent::ResyncRequest, c"tx-request", got, gap);
    }
    flow.info.clone()
}

/// Hands `skb`, segment `seg` of the flow `info`, to the kernel's software fallback: its
/// encrypted copy to send, or `None` (dropped, counted and traced; TCP retransmits it).
fn sw_fallback<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    info: &FlowInfo,
    seg: &Span,
    skb: SkBuff,
) -> Option<SkBuff> {
    match skb.tls_sw_fallback() {
        Some(out) => {
            stats.inc(Stat::TxSwFallback);
            Some(out)
        }
        None => {
            stats.inc(Stat::TxDropSwFallback);
            info.trace(
                dev,
                SeqEvent::RecordDrop,
                DropReason::Fallback {
                    lost: false,
                    expected: None,
                }
                .name(),
                seg.start,
                seg.len,
            );
            None
        }
    }
}

/// Builds the encrypted copy of `skb`; `Ok(None)` when the segment precedes the start of
/// offload and goes out as it is. `Err(Pending)`: a record went to an asynchronous engine; the
/// work done so far is kept in `st.partial` for the next attempt.
fn encrypt(
    st: &mut TxState,
    skb: &SkBuff,
    tx: &TxSkb<'_, TxHandle>,
    salt: &[u8; tls12::SALT_LEN],
    env: &Env<'_>,
) -> Result<Option<SkBuff>, DropReason> {
    let seg = Span {
        start: tx.seq(),
        len: tx.payload_len(),
    };
    // Pick up the result of an asynchronous request.
    match st.records.poll(&mut st.sealer, || env.faults.hit()) {
        Polled::Nothing => {}
        Polled::Sealed => env.stats.inc(Stat::TxAsyncRecords),
        Polled::Failed => {
            st.partial = None;
            return Err(DropReason::Engine);
        }
    }
    let partial = st.partial.take().filter(|p| p.seg == seg);
    let (mut out, mut pos, mut frags) = match partial {
        Some(p) => (p.out, p.pos, p.frags),
        None => {
            // Request mode: a segment the device's own context cannot place goes to the
            // kernel's fallback.
            match st.ctx.place(seg, st.records.cached(seg.start)) {
                Placement::Device => {}
                Placement::Fallback => {
                    return Err(DropReason::Fallback {
                        lost: false,
                        expected: None,
                    })
                }
                Placement::FallbackLost { expected } => {
                    return Err(DropReason::Fallback {
                        lost: true,
                        expected,
                    })
                }
            }
            // Seal the record holding the first byte, unless it is the cached one. The same
            // lookup finds data queued before offload started, which was encrypted in software.
            if st.records.cached(seg.start).is_none() {
                match load_and_seal(st, tx, seg.start, salt, env) {
                    Ok(_) => {}
                    Err(DropReason::BeforeOffload(end_seq)) => {
                        return match tls12::check_marker(seg.start, seg.len, end_seq) {
                            MarkerCheck::Bypass => Ok(None),
                            MarkerCheck::Mixed => Err(DropReason::Bypass),
                        };
                    }
                    Err(e) => return Err(e),
                }
            }
            if !skb.csum_partial() {
                // Rewriting the payload would invalidate a checksum already computed in
                // software.
                return Err(DropReason::BadRecord);
            }
            // Bulk segments reference the sealed record blocks (no copy of the payload).
            let out = skb
                .copy_for_rewrite(tx.hdr_len(), true)
                .ok_or(DropReason::NoMem)?;
            (out, 0, true)
        }
    };
    loop {
        match fill(st, &mut out, &mut pos, frags, tx, seg, salt, env) {
            Ok(true) => break,
            Ok(false) if frags => {
                // A segment that crosses more records than an skb has fragment slots (tiny
                // records) is copied instead.
                frags = false;
                pos = 0;
                out = skb
                    .copy_for_rewrite(tx.hdr_len(), false)
                    .ok_or(DropReason::NoMem)?;
            }
            Ok(false) => return Err(DropReason::BadRecord),
            Err(DropReason::Pending) => {
                st.partial = Some(Partial {
                    seg,
                    out,
                    pos,
                    frags,
                });
                return Err(DropReason::Pending);
            }
            Err(e) => return Err(e),
        }
    }
    st.records.sent(seg);
    out.into_skb().map(Some).ok_or(DropReason::BadRecord)
}

/// Fills the encrypted copy of segment `seg` from byte `pos` on, by reference to the record
/// blocks (`frags`) or by copying. `Ok(false)`: fragment slots ran out (fragment mode only).
#[allow(clippy::too_many_arguments)]
fn fill(
    st: &mut TxState,
    out: &mut RewriteSkb,
    pos: &mut u32,
    frags: bool,
    tx: &TxSkb<'_, TxHandle>,
    seg: Span,
    salt: &[u8; tls12::SALT_LEN],
    env: &Env<'_>,
) -> Result<bool, DropReason> {
    while *pos < seg.len {
        let seq = seg.start.wrapping_add(*pos);
        let rec = match st.records.cached(seq) {
            Some(span) => span,
            None => load_and_seal(st, tx, seq, salt, env)?,
        };
        let n = rec.take_from(seq, seg.len - *pos);
        let off = rec.offset_of(seq) as usize;
        if frags {
            let block = st.sealer.block().map_err(|_| DropReason::Engine)?;
            if !out.append_page(block, off, n) {
                return Ok(false);
            }
        } else {
            let sealed = st.sealer.record().map_err(|_| DropReason::Engine)?;
            if !out.append(&sealed[off..off + n as usize]) {
                return Err(DropReason::BadRecord);
            }
        }
        *pos += n;
    }
    Ok(true)
}

/// Seals the record holding `seq` into the record block, reading it from the socket's pages.
fn load_and_seal(
    st: &mut TxState,
    tx: &TxSkb<'_, TxHandle>,
    seq: u32,
    salt: &[u8; tls12::SALT_LEN],
    env: &Env<'_>,
) -> Result<Span, DropReason> {
    st.records.forget();
    let (span, listed_sn, pages) = tx.with_record(seq, |l| match l {
        Lookup::Missing => Err(DropReason::NoSync),
        Lookup::Marker { end_seq } => Err(DropReason::BeforeOffload(end_seq)),
        Lookup::Record(r) => {
            let span = Span {
                start: r.start_seq(),
                len: r.len(),
            };
            if !span.contains(seq) {
                return Err(DropReason::NoSync);
            }
            if span.len as usize > tls12::MAX_RECORD {
                return Err(DropReason::BadRecord);
            }
            let pages = r.pages().ok_or(DropReason::BadRecord)?;
            Ok((span, r.rcd_sn(), pages))
        }
    })?;
    // The record number the device counts (request mode), or the list's.
    let rcd_sn = st
        .ctx
        .number(span.start, listed_sn)
        .ok_or(DropReason::NoSync)?;
    if rcd_sn != listed_sn {
        // The device's own count disagrees with the socket's records: never seal with it.
        env.stats.inc(Stat::TxDropRcdSnMismatch);
        return Err(DropReason::BadRecord);
    }
    // Header and explicit nonce, to check the framing and build the nonce and AAD.
    let mut prepend = [0u8; PREPEND_LEN];
    if !pages.copy_at(0, &mut prepend) {
        return Err(DropReason::BadRecord);
    }
    let fault = || env.faults.hit();
    match st
        .records
        .seal(&mut st.sealer, span, rcd_sn, pages, &prepend, salt, fault)
    {
        Ok(sealing) => {
            if st.ctx.sealed(span, rcd_sn) {
                env.stats.inc(Stat::TxResyncOk);
            }
            // Counted now also when the engine went asynchronous: the record goes through the
            // cipher once, whenever it completes.
            env.stats.inc(Stat::TxCipherRecords);
            env.stats
                .add(Stat::TxCipherBytes, sealing.plaintext_len as u64);
            tx.flow().info.count(1, sealing.plaintext_len as u64);
            if sealing.done {
                Ok(span)
            } else {
                Err(DropReason::Pending)
            }
        }
        Err(SealFault::BadRecord) => Err(DropReason::BadRecord),
        Err(SealFault::Engine(SealError::NoMem)) => Err(DropReason::NoMem),
        Err(SealFault::Engine(_)) => Err(DropReason::Engine),
    }
}
