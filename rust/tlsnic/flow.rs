// SPDX-License-Identifier: GPL-2.0

//! What transmit and receive flows share: parsing the key material the TLS core hands over,
//! counting the module's live flow objects, reporting the engines, each flow's identity and
//! counters ([`FlowInfo`]) in the device's list of live flows (debugfs `flows`, [`FlowList`])
//! and in the `tlsnic` tracepoints, and the flows that stay on software kTLS ([`Refusal`]).

#![forbid(unsafe_code)]

use crate::base::debugfs::{SeqOut, Show};
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::sock::{IpAddr, Socket};
use crate::base::net::tls::Direction;
use crate::base::sync::{new_spinlock_bh, SpinLockBh};
use crate::base::trace::{self, End, FlowId, FlowTotals, SeqEvent};
use crate::tlsnic_core::{
    packet::{self, Endpoint, FlowKey},
    policy::Choice,
    stats::{Stat, Stats},
    tls12::{self, FlowKeys, Reject},
};
use core::ffi::CStr;
use core::fmt::{self, Write};
use core::marker::PhantomData;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::{fmt as kfmt, prelude::*, str::CString, sync::Arc, time::Ktime};

/// Flow objects (TX and RX) of all devices that still exist, in debugfs as
/// `/sys/kernel/debug/tlsnic/flows_live`: 0 once every context is freed, also after the devices
/// that held them are gone.
pub(crate) static FLOWS_LIVE: AtomicU64 = AtomicU64::new(0);

/// Counts one flow object in [`FLOWS_LIVE`] for as long as it exists.
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Self {
        FLOWS_LIVE.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        FLOWS_LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the device did not take a flow (`tls_dev_add` failed): the flow stays on software kTLS.
/// The `tlsnic_flow_refused` tracepoint shows the name.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Refusal {
    /// The flow policy's program said software (`EOPNOTSUPP`).
    Policy,
    /// Not TLS 1.2 (`EOPNOTSUPP`).
    Version,
    /// Not AES-GCM-128/256 (`EOPNOTSUPP`).
    Cipher,
    /// `crypto_info` too short for its cipher (`EINVAL`).
    Malformed,
    /// The socket is not a connected TCP socket over IPv4 or IPv6 (`EOPNOTSUPP`).
    Address,
    /// The engine could not be set up for the flow (its error).
    Engine(Error),
    /// Out of memory (`ENOMEM`).
    NoMem,
}

impl Refusal {
    fn name(self) -> &'static CStr {
        match self {
            Refusal::Policy => c"policy",
            Refusal::Version => c"version",
            Refusal::Cipher => c"cipher",
            Refusal::Malformed => c"malformed",
            Refusal::Address => c"address",
            Refusal::Engine(_) => c"engine",
            Refusal::NoMem => c"no-memory",
        }
    }

    fn errno(self) -> Error {
        match self {
            Refusal::Policy | Refusal::Version | Refusal::Cipher | Refusal::Address => {
                crate::base::error::eopnotsupp()
            }
            Refusal::Malformed => EINVAL,
            Refusal::Engine(e) => e,
            Refusal::NoMem => ENOMEM,
        }
    }
}

impl From<kernel::alloc::AllocError> for Refusal {
    fn from(_: kernel::alloc::AllocError) -> Self {
        Refusal::NoMem
    }
}

/// Parses a flow's `crypto_info` (either direction).
pub(crate) fn parse_keys(crypto_info: &[u8]) -> Result<FlowKeys, Refusal> {
    FlowKeys::parse(crypto_info).map_err(|e| match e {
        Reject::Truncated => Refusal::Malformed,
        Reject::Version(_) => Refusal::Version,
        Reject::Cipher(_) => Refusal::Cipher,
    })
}

/// The connection `sock` holds, as the receive path sees it in frames: IPv4 addresses
/// IPv4-mapped, as `tlsnic_core::packet::parse` gives them.
pub(crate) fn flow_key(sock: &Socket) -> Option<FlowKey> {
    let ends = sock.tcp_endpoints()?;
    let addr = |a: IpAddr| match a {
        IpAddr::V4(v4) => packet::v4_mapped(v4),
        IpAddr::V6(v6) => v6,
    };
    Some(FlowKey {
        remote: addr(ends.remote),
        local: addr(ends.local),
        remote_port: ends.remote_port,
        local_port: ends.local_port,
    })
}

fn flow_id(dir: Direction, key: &FlowKey, net: u64) -> FlowId {
    FlowId::new(
        dir,
        End {
            addr: &key.local,
            port: key.local_port,
        },
        End {
            addr: &key.remote,
            port: key.remote_port,
        },
        net,
    )
}

/// The cipher named in a flow's `crypto_info`, known or not.
fn cipher_of(crypto_info: &[u8]) -> &'static CStr {
    tls12::crypto_info_ids(crypto_info).map_or(c"unknown", |(_, c)| tls12::cipher_name(c))
}

/// Counts a flow of direction `dir` that `dev` turned down (`*_tls_fallback`; a refusal by the
/// policy is counted by the policy, `*_tls_policy_reject`), fires `tlsnic_flow_refused` and
/// returns the errno for the TLS core, which keeps the flow on software kTLS. `policy` is the
/// flow policy's verdict.
pub(crate) fn refuse<T: NetDeviceOps>(
    dev: &Device<T>,
    stats: &Stats,
    dir: Direction,
    sock: &Socket,
    crypto_info: &[u8],
    policy: &CStr,
    why: Refusal,
) -> Error {
    if !matches!(why, Refusal::Policy) {
        stats.inc(match dir {
            Direction::Tx => Stat::TxFallback,
            Direction::Rx => Stat::RxFallback,
        });
    }
    if let Refusal::Engine(err) = why {
        warn_engine(dir, err);
    }
    let key = flow_key(sock).unwrap_or(FlowKey {
        remote: [0; 16],
        local: [0; 16],
        remote_port: 0,
        local_port: 0,
    });
    let id = flow_id(dir, &key, sock.net().cookie());
    trace::flow_refused(
        dev,
        &id,
        cipher_of(crypto_info),
        policy,
        why.name(),
        why.errno().to_errno(),
    );
    why.errno()
}

/// Who a live offloaded flow is and what the device did for it: one line of the device's
/// debugfs `flows` file, and what every tracepoint of the flow shows. The data path counts
/// into the atomics (relaxed: a reader sees recent values, never torn ones). No key material.
pub(crate) struct FlowInfo {
    dir: Direction,
    key: FlowKey,
    net: u64,
    cipher: &'static CStr,
    engine: &'static CStr,
    born: Ktime,
    records: AtomicU64,
    bytes: AtomicU64,
    resyncs: AtomicU64,
    in_sync: AtomicBool,
}

impl FlowInfo {
    /// The flow of `sock` (whose connection is `key`, see [`flow_key`]) in direction `dir`,
    /// offloaded with `keys` on engine `engine` (`soft` or `kcrypto`).
    pub(crate) fn new(
        dir: Direction,
        sock: &Socket,
        key: FlowKey,
        keys: &FlowKeys,
        engine: &'static CStr,
    ) -> Result<Arc<Self>, Refusal> {
        let cipher = tls12::cipher_name(match keys.size {
            tls12::KeySize::Aes128 => tls12::CIPHER_AES_GCM_128,
            tls12::KeySize::Aes256 => tls12::CIPHER_AES_GCM_256,
        });
        Ok(Arc::new(
            Self {
                dir,
                key,
                net: sock.net().cookie(),
                cipher,
                engine,
                born: Ktime::ktime_get(),
                records: AtomicU64::new(0),
                bytes: AtomicU64::new(0),
                resyncs: AtomicU64::new(0),
                in_sync: AtomicBool::new(true),
            },
            GFP_KERNEL,
        )?)
    }

    /// The connection, as frames show it.
    pub(crate) fn key(&self) -> &FlowKey {
        &self.key
    }

    /// The cookie of the flow's network namespace.
    pub(crate) fn net(&self) -> u64 {
        self.net
    }

    /// The flow's identity for a tracepoint.
    pub(crate) fn id(&self) -> FlowId {
        flow_id(self.dir, &self.key, self.net)
    }

    /// Adds `records` records and `bytes` bytes to what the flow's engine processed (a zero
    /// touches nothing: the receive path counts records and bytes at different points).
    pub(crate) fn count(&self, records: u64, bytes: u64) {
        if records != 0 {
            self.records.fetch_add(records, Ordering::Relaxed);
        }
        if bytes != 0 {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// The core asked for a resync.
    pub(crate) fn resync(&self) {
        self.resyncs.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether the device follows the flow's records now (receive; transmit in the request
    /// resync mode).
    pub(crate) fn set_sync(&self, synced: bool) {
        if self.in_sync.load(Ordering::Relaxed) != synced {
            self.in_sync.store(synced, Ordering::Relaxed);
        }
    }

    fn age_ms(&self) -> u64 {
        kernel::time::ktime_ms_delta(Ktime::ktime_get(), self.born).max(0) as u64
    }

    /// Fires `event` for this flow on `dev`.
    pub(crate) fn trace<T: NetDeviceOps>(
        &self,
        dev: &Device<T>,
        event: SeqEvent,
        reason: &CStr,
        seq: u32,
        len: u32,
    ) {
        trace::seq_event(dev, event, &self.id(), reason, seq, len);
    }

    /// Fires `tlsnic_engine_fault`: `count` operations of the flow's engine failed.
    pub(crate) fn trace_engine_fault<T: NetDeviceOps>(&self, dev: &Device<T>, count: u32) {
        trace::engine_fault(dev, &self.id(), self.engine, count);
    }
}

/// What `tls_dev_add` of either direction needs from the device besides the socket and its
/// keys.
pub(crate) struct Setup<'a, T: NetDeviceOps> {
    pub(crate) dev: &'a Device<T>,
    pub(crate) stats: &'a Stats,
    pub(crate) engine: &'a crate::engine::Engine,
    pub(crate) flows: &'a FlowList,
    /// The flow policy's verdict, for the tracepoint.
    pub(crate) policy: &'static CStr,
}

impl<T: NetDeviceOps> Setup<'_, T> {
    /// Lists the new flow `info` on the device (see [`FlowList::add`]), before anything can
    /// see it offloaded.
    pub(crate) fn list(&self, info: &Arc<FlowInfo>) -> Result<(), Refusal> {
        self.flows.add(info)
    }

    /// The flow `info`, listed, is set up: fires `tlsnic_flow_add`. Nothing may fail after it.
    pub(crate) fn added(&self, info: &FlowInfo) {
        trace::flow_add(self.dev, &info.id(), info.cipher, info.engine, self.policy);
    }
}

/// A device's live offloaded flows, both directions, in the order they were added (a removed
/// flow's slot is reused): the debugfs file `/sys/kernel/debug/tlsnic/DEV/flows`.
#[pin_data]
pub(crate) struct FlowList {
    #[pin]
    flows: SpinLockBh<KVec<Option<Arc<FlowInfo>>>>,
}

impl FlowList {
    /// No flows.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            flows <- new_spinlock_bh!(KVec::new(), "tlsnic_flow_list"),
        })
    }

    /// Lists a flow the device is taking. The list grows outside its lock (with `GFP_KERNEL`:
    /// `tls_dev_add` runs in process context), so that a reader or another flow's setup never
    /// waits for an allocation and listing fails only when memory does.
    pub(crate) fn add(&self, info: &Arc<FlowInfo>) -> Result<(), Refusal> {
        loop {
            let cap = {
                let mut flows = self.flows.lock();
                if let Some(slot) = flows.iter_mut().find(|slot| slot.is_none()) {
                    *slot = Some(info.clone());
                    return Ok(());
                }
                if flows.len() < flows.capacity() {
                    // Within the capacity: `push` does not allocate.
                    flows.push(Some(info.clone()), GFP_ATOMIC)?;
                    return Ok(());
                }
                flows.capacity()
            };
            let bigger = KVec::with_capacity((2 * cap).max(16), GFP_KERNEL)?;
            let mut flows = self.flows.lock();
            if flows.capacity() != cap {
                // Another setup grew it meanwhile: try again (`bigger` is freed).
                continue;
            }
            let old = core::mem::replace(&mut *flows, bigger);
            for slot in old {
                // Within the new capacity: `push` does not allocate.
                flows.push(slot, GFP_ATOMIC)?;
            }
        }
    }

    /// Takes a flow off the list without a trace (its setup failed after it was listed).
    pub(crate) fn unlist(&self, info: &Arc<FlowInfo>) {
        let removed = {
            let mut flows = self.flows.lock();
            flows
                .iter_mut()
                .find(|slot| slot.as_ref().is_some_and(|f| Arc::ptr_eq(f, info)))
                .and_then(|slot| slot.take())
        };
        // Dropped outside the lock (the flow holds another reference anyway).
        drop(removed);
    }

    /// Takes a flow off the list when its offload ends, and fires `tlsnic_flow_del` with what
    /// the flow did.
    pub(crate) fn remove<T: NetDeviceOps>(&self, dev: &Device<T>, info: &Arc<FlowInfo>) {
        self.unlist(info);
        let totals = FlowTotals {
            records: info.records.load(Ordering::Relaxed),
            bytes: info.bytes.load(Ordering::Relaxed),
            resyncs: info.resyncs.load(Ordering::Relaxed),
            age_ms: info.age_ms(),
        };
        trace::flow_del(dev, &info.id(), &totals);
    }
}

impl Show for FlowList {
    /// One header line, then one line per live flow.
    fn show(&self, out: &mut SeqOut<'_>) {
        let _ = writeln!(
            out,
            "dir local remote netns engine cipher records bytes resyncs state age_ms"
        );
        let flows = self.flows.lock();
        for f in flows.iter().flatten() {
            let state = if f.in_sync.load(Ordering::Relaxed) {
                "in-sync"
            } else {
                "out-of-sync"
            };
            let line = writeln!(
                out,
                "{} {} {} {} {} {} {} {} {} {} {}",
                match f.dir {
                    Direction::Tx => "tx",
                    Direction::Rx => "rx",
                },
                Endpoint(&f.key.local, f.key.local_port),
                Endpoint(&f.key.remote, f.key.remote_port),
                f.net,
                Name(f.engine),
                Name(f.cipher),
                f.records.load(Ordering::Relaxed),
                f.bytes.load(Ordering::Relaxed),
                f.resyncs.load(Ordering::Relaxed),
                state,
                f.age_ms(),
            );
            if line.is_err() {
                // The buffer is full: seq_file calls again with a larger one.
                return;
            }
        }
    }
}

/// A C string of ASCII, shown as text.
struct Name(&'static CStr);

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.to_str().unwrap_or("?"))
    }
}

/// Once per module load and direction: the engine implementations the first flow resolved to,
/// and the first engine that could not be set up.
static REPORTED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
static WARNED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

fn index(dir: Direction) -> usize {
    match dir {
        Direction::Tx => 0,
        Direction::Rx => 1,
    }
}

/// Logs the engine of direction `dir` (`TX engine: ...`), once per module load.
pub(crate) fn report_engine(dir: Direction, engine: fmt::Arguments<'_>) {
    if !REPORTED[index(dir)].swap(true, Ordering::Relaxed) {
        pr_info!("{} engine: {}\n", name(dir), engine);
    }
}

/// Warns that a flow's engine could not be set up, once per module load and direction: a socket
/// owner must not be able to flood the log.
fn warn_engine(dir: Direction, err: Error) {
    if !WARNED[index(dir)].swap(true, Ordering::Relaxed) {
        pr_warn!(
            "{} engine unavailable ({:?}): flows stay in software kTLS\n",
            name(dir),
            err
        );
    }
}

fn name(dir: Direction) -> &'static str {
    match dir {
        Direction::Tx => "TX",
        Direction::Rx => "RX",
    }
}

/// The names of every mode of `M`, in order, as a message lists them: `a, b or c`.
struct Names<M: Choice>(PhantomData<M>);

impl<M: Choice> fmt::Display for Names<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = M::ALL.len().saturating_sub(1);
        for (i, mode) in M::ALL.iter().enumerate() {
            let sep = match i {
                0 => "",
                _ if i == last => " or ",
                _ => ", ",
            };
            write!(f, "{}{}", sep, mode.name())?;
        }
        Ok(())
    }
}

/// A device's mode for new flows, chosen by name: a sysfs attribute of the device, whose value
/// new devices take from a module parameter (the receive and transmit resync modes). Flows keep
/// the mode they were set up with.
pub(crate) struct ModeKnob<M: Choice>(AtomicU32, PhantomData<M>);

impl<M: Choice> ModeKnob<M> {
    /// A knob at `mode`.
    pub(crate) fn new(mode: M) -> Self {
        Self(AtomicU32::new(mode.index() as u32), PhantomData)
    }

    /// A knob at the mode that a module parameter's `value` names (the default, the first of
    /// `M::ALL`, if it names none: module load refused it then, see [`Self::check_param`]).
    pub(crate) fn from_param(value: &kernel::str::CStr) -> Self {
        Self::new(M::parse(value.as_bytes()).unwrap_or(M::ALL[0]))
    }

    /// Checks the module parameter `name` at module load: `EINVAL`, and a message listing the
    /// modes' names, if its `value` names no mode.
    pub(crate) fn check_param(name: &str, value: &kernel::str::CStr) -> Result {
        if M::parse(value.as_bytes()).is_none() {
            pr_err!(
                "{}={}: refused ({})\n",
                name,
                value,
                Names::<M>(PhantomData)
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    /// The mode of a flow set up now.
    pub(crate) fn get(&self) -> M {
        M::at(self.0.load(Ordering::Relaxed) as usize)
    }

    /// The attribute's text: the mode's name.
    pub(crate) fn show(&self) -> Result<CString> {
        CString::try_from_fmt(kfmt!("{}\n", self.get().name()))
    }

    /// A write to the attribute: one mode's name (`EINVAL` otherwise, and the mode stays).
    pub(crate) fn store(&self, input: &[u8]) -> Result {
        let mode = M::parse(input).ok_or(EINVAL)?;
        self.0.store(mode.index() as u32, Ordering::Relaxed);
        Ok(())
    }
}
