// SPDX-License-Identifier: GPL-2.0

//! The tlsnic virtual NIC pair: two Ethernet devices joined by a virtual wire.
//!
//! A frame transmitted on one end is received on the other, also across network namespaces.
//! Carrier is up only while both ends are up. Deleting either end (`ip link del`, the deletion of
//! the namespace holding it, or module removal) deletes both.

#![forbid(unsafe_code)]

use crate::base::cpu;
use crate::base::debugfs::{Dir, Files, Knobs};
use crate::base::error::{enametoolong, enetdown, enotconn};
use crate::base::net::device::{
    features, Device, NetDeviceOps, PeerLink, SetupDevice, ETH_HLEN, ETH_MAX_MTU, ETH_MIN_MTU,
};
use crate::base::net::ethtool::EthtoolOps;
use crate::base::net::link::{LinkOps, NewDevice, NewLink, RtnlLinkOps, UnregisterQueue};
use crate::base::net::napi::NapiPoll;
use crate::base::net::rtnl::{ExtAck, Net, Rtnl};
use crate::base::net::skb::SkBuff;
use crate::base::net::sock::HeldData;
use crate::base::net::tls::{Direction, RxResyncCtl, TlsDevOps, TlsSocket};
use crate::base::net::xdp::{XdpFrames, XdpProg, FRAME_MAX};
use crate::base::sync::{Rcu, RcuGuard};
use crate::base::sysfs::AttributeGroup;
use crate::block::{Block, Way};
use crate::engine::{self, Engine, EngineFaults};
use crate::flow::{self, FlowList, Refusal, Setup};
use crate::irq::RxIrq;
use crate::policy::{Admit, Policy};
use crate::rx::{self, ResyncKnob, RxFlow, RxTable};
use crate::tlsnic_core::{
    engine::{self as core_engine, CpuSet},
    ifname::{self, IfName, NameError},
    stats::{self, Stat, Stats},
};
use crate::tx::{self, Env, TxDeferred, TxFlow, TxHandle, TxResyncKnob, Xmit};
use crate::wire::Wire;
use crate::xdp::{self as xdp_rx, DevXdp, XdpRx};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::{
    c_str, fmt,
    init::PinInit,
    pin_init,
    prelude::*,
    str::{CStr, CString},
    sync::{Arc, ArcBorrow},
};

/// The module's debugfs directory (`/sys/kernel/debug/tlsnic`), holding one directory per
/// device. Created at module load, removed at unload after every device is gone.
pub(crate) static DEBUGFS_ROOT: Dir = Dir::new();

/// What every tlsnic device offers: inline kTLS transmit and receive offload, checksum offload
/// (which the core requires for them), scatter/gather and every software segmentation offload,
/// like veth.
const FEATURES: u64 = features::HW_TLS_TX
    | features::HW_TLS_RX
    | features::SG
    | features::FRAGLIST
    | features::HW_CSUM
    | features::RXCSUM
    | features::SCTP_CRC
    | features::HIGHDMA
    | features::GSO_SOFTWARE
    | features::GSO_ENCAP_ALL;

/// The rtnetlink link kind `tlsnic`.
pub(crate) static LINK_OPS: LinkOps<Pair> = LinkOps::new();

/// The pair driver.
pub(crate) struct Pair;

/// Private data of each end. Fields are dropped in order: the crypto block's work first (it
/// transmits, which may use the deferred queue), then the deferred transmit work, so that each
/// is cancelled before anything it uses goes.
#[pin_data]
pub(crate) struct PairPriv {
    /// The crypto block's queues and work, when it runs on a CPU set (`cpus=`).
    #[pin]
    block: Block<Pair>,
    /// The receive interrupt: its ring and NAPI instance, steered to a CPU set (`irq_cpus`).
    #[pin]
    irq: RxIrq<Pair>,
    /// Packets waiting for an asynchronous engine, and the work that sends them.
    #[pin]
    deferred: TxDeferred<Pair>,
    /// Native XDP: the program, and the queue of `XDP_TX` and redirected frames.
    #[pin]
    xdp: DevXdp<Pair>,
    /// This device's debugfs directory and what it shows: fault knobs and live flows.
    #[pin]
    knobs: Knobs<Shown>,
    /// The other end of the wire.
    peer: PeerLink<Pair>,
    /// Offload counters (`ethtool -S`).
    stats: Stats,
    /// Receive-offloaded flows.
    #[pin]
    rx: RxTable,
    /// Which flows this device offloads (BPF program, sysfs `tlsnic/policy`).
    #[pin]
    policy: Policy,
    /// The crypto engine of new flows (sysfs `tlsnic/engine`).
    #[pin]
    engine: Engine,
    /// The receive resync mode of new flows (sysfs `tlsnic/resync`).
    resync: ResyncKnob,
    /// The transmit resync mode of new flows (sysfs `tlsnic/tx_resync`).
    tx_resync: TxResyncKnob,
}

/// What a device's debugfs directory shows.
#[pin_data]
pub(crate) struct Shown {
    /// Fault knobs.
    #[pin]
    faults: Faults,
    /// Live offloaded flows, both directions (`flows`).
    #[pin]
    flows: FlowList,
}

impl Shown {
    /// Adds the directory's files.
    fn expose<'a>(files: &Files<'a>, shown: &'a Shown) {
        Faults::expose(files, &shown.faults);
        files.show(c_str!("flows"), &shown.flows);
    }
}

/// A device's fault injection, shown in its debugfs directory.
#[pin_data]
pub(crate) struct Faults {
    /// Faults on the wire this device transmits into.
    #[pin]
    wire: Wire,
    /// Engine fault injection (`engine_fault_ppm`).
    engine: EngineFaults,
    /// Nonzero: the crypto block's work leaves its frames queued (`block_pause`), so that tests
    /// can take the device down or remove the module with frames waiting.
    block_pause: AtomicU32,
    /// Nonzero: the receive interrupt's poll leaves the frames in the ring (`irq_pause`), for
    /// the same tests.
    irq_pause: AtomicU32,
}

impl Faults {
    /// Adds the knobs' files.
    fn expose<'a>(files: &Files<'a>, faults: &'a Faults) {
        faults.wire.expose(files);
        faults.engine.expose(files);
        files.u32(c_str!("block_pause"), &faults.block_pause);
        files.u32(c_str!("irq_pause"), &faults.irq_pause);
    }
}

/// The attributes of the group `tlsnic` (`/sys/class/net/DEV/tlsnic/`), in the order of
/// `AttributeGroup::ATTRS`.
#[derive(Clone, Copy)]
enum Attr {
    /// `policy`: the BPF program choosing which flows are offloaded.
    Policy,
    /// `engine`: the crypto engine of new flows.
    Engine,
    /// `resync`: the receive resync mode of new flows.
    Resync,
    /// `tx_resync`: the transmit resync mode of new flows.
    TxResync,
    /// `irq_cpus`: the CPUs the receive interrupt is steered to.
    IrqCpus,
}

impl Attr {
    const ALL: [Attr; 5] = [
        Attr::Policy,
        Attr::Engine,
        Attr::Resync,
        Attr::TxResync,
        Attr::IrqCpus,
    ];

    const fn name(self) -> &'static CStr {
        match self {
            Attr::Policy => c_str!("policy"),
            Attr::Engine => c_str!("engine"),
            Attr::Resync => c_str!("resync"),
            Attr::TxResync => c_str!("tx_resync"),
            Attr::IrqCpus => c_str!("irq_cpus"),
        }
    }
}

impl PairPriv {
    /// What the transmit path consults besides the flow.
    fn tx_env(&self) -> Env<'_> {
        Env {
            stats: &self.stats,
            faults: &self.knobs.faults.engine,
        }
    }
}

#[vtable]
impl NetDeviceOps for Pair {
    type Priv = PairPriv;

    fn priv_init() -> impl PinInit<PairPriv> {
        pin_init!(PairPriv {
            block <- Block::new(engine::param_cpus()),
            irq <- RxIrq::new(),
            deferred <- TxDeferred::new(),
            xdp <- DevXdp::new(),
            knobs <- Knobs::new(pin_init!(Shown {
                faults <- pin_init!(Faults {
                    wire <- Wire::new(),
                    engine: EngineFaults::new(),
                    block_pause: AtomicU32::new(0),
                    irq_pause: AtomicU32::new(0),
                }),
                flows <- FlowList::new(),
            })),
            peer: PeerLink::new(),
            stats: Stats::new(),
            rx <- RxTable::new(),
            policy <- Policy::new(),
            engine <- Engine::new(),
            resync: rx::resync_knob(),
            tx_resync: tx::tx_resync_knob(),
        })
    }

    fn open(rtnl: &Rtnl, dev: &Device<Self>) -> Result {
        // A block placed by the module parameter: its work, before any frame can come.
        if dev.data().block.placed() {
            dev.data().block.prepare(dev, run_block)?;
        }
        dev.data().xdp.txq.prepare(dev, xdp_tx_run)?;
        dev.data().irq.open(rtnl, dev, irq_poll)?;
        if let Some(peer) = dev.data().peer.get_rtnl(rtnl) {
            if peer.is_running() {
                dev.carrier_on();
                peer.carrier_on();
            }
        }
        Ok(())
    }

    fn stop(rtnl: &Rtnl, dev: &Device<Self>) -> Result {
        dev.carrier_off();
        dev.data().knobs.faults.wire.flush();
        dev.data().deferred.purge(&dev.data().stats);
        dev.data().xdp.txq.purge(&dev.data().stats);
        // A frame the device transmitted counts as its drop, one from the wire as the peer's.
        let peer = dev.data().peer.get_rtnl(rtnl);
        dev.data().block.purge(&dev.data().stats, |way| match way {
            Way::Tx => dev.count_tx_dropped(),
            Way::Rx => {
                if let Some(peer) = peer {
                    peer.count_tx_dropped();
                }
            }
        });
        dev.data().irq.stop(rtnl, &dev.data().stats, || {
            if let Some(peer) = peer {
                peer.count_tx_dropped();
            }
        });
        if let Some(peer) = dev.data().peer.get_rtnl(rtnl) {
            peer.carrier_off();
        }
        Ok(())
    }

    fn start_xmit(rcu: &Rcu, dev: &Device<Self>, skb: SkBuff) {
        let data = dev.data();
        if data.block.engaged() {
            // The crypto block runs on its CPUs: the frame waits in its queue.
            if data.block.queue(rcu, &data.stats, Way::Tx, skb).is_err() {
                dev.count_tx_dropped();
            }
            return;
        }
        transmit(rcu, dev, skb);
    }

    fn get_iflink(dev: &Device<Self>) -> i32 {
        let rcu = RcuGuard::lock();
        dev.data().peer.get(&rcu).map_or(0, |peer| peer.ifindex())
    }

    fn fix_features(rtnl: &Rtnl, dev: &Device<Self>, features: u64) -> u64 {
        // A peer running XDP takes frames that fit one page: no GSO super-frames from here.
        match dev.data().peer.get_rtnl(rtnl) {
            Some(peer) if peer.data().xdp.slot.attached() => features & !features::GSO_SOFTWARE,
            _ => features,
        }
    }

    fn xdp_setup(
        rtnl: &Rtnl,
        dev: &Device<Self>,
        prog: Option<XdpProg>,
        extack: &ExtAck,
    ) -> Result {
        let data = dev.data();
        let peer = data.peer.get_rtnl(rtnl);
        // Frames come from the peer: each must fit one XDP buffer (a page), as tlsnic builds
        // no multi-buffer frames, frags-aware program or not.
        let max_mtu = FRAME_MAX - ETH_HLEN;
        if prog.is_some() {
            let Some(peer) = peer else {
                extack.set_msg(c_str!("tlsnic: cannot set XDP without a peer"));
                return Err(enotconn());
            };
            if peer.mtu() > max_mtu {
                extack.set_msg(if prog.as_ref().is_some_and(XdpProg::has_frags) {
                    c_str!("tlsnic: peer MTU too large for XDP: no multi-buffer frames, even for xdp.frags")
                } else {
                    c_str!("tlsnic: peer MTU too large for XDP (frames must fit one page)")
                });
                return Err(ERANGE);
            }
        }
        let was = data.xdp.slot.attached();
        dev.xdp_attach(rtnl, &data.xdp.slot, prog)?;
        let now = data.xdp.slot.attached();
        if let Some(peer) = peer {
            peer.set_max_mtu(rtnl, if now { max_mtu } else { ETH_MAX_MTU });
            if was != now {
                peer.update_features(rtnl);
            }
        }
        Ok(())
    }

    fn xdp_xmit(
        rcu: &Rcu,
        dev: &Device<Self>,
        frames: XdpFrames<'_>,
        _flush: bool,
    ) -> Result<usize> {
        let data = dev.data();
        if !dev.is_running() || data.peer.get(rcu).is_none() {
            data.stats.add(Stat::XdpXmitErrors, frames.len() as u64);
            return Err(enetdown());
        }
        Ok(xdp_rx::xmit(rcu, dev, &data.xdp.txq, &data.stats, &frames))
    }
}

#[vtable]
impl RtnlLinkOps for Pair {
    const KIND: &'static CStr = c_str!("tlsnic");

    fn setup(dev: &mut SetupDevice<'_, Self>) {
        dev.set_features(FEATURES, FEATURES);
        // The full Ethernet range, as veth.
        dev.set_mtu_range(ETH_MIN_MTU, ETH_MAX_MTU);
        dev.set_no_carrier();
        dev.set_lockless_tx();
        dev.set_live_addr_change();
        dev.set_max_tso();
        dev.set_ethtool_ops();
        dev.set_tlsdev_ops();
        dev.set_sysfs_group();
        dev.set_xdp_features();
    }

    fn newlink(rtnl: &Rtnl, src_net: &Net, dev: NewLink<'_, Self>, extack: &ExtAck) -> Result {
        let peer_name = ifname::peer_name(&dev.name(rtnl)).map_err(|e| match e {
            NameError::TooLong => {
                extack.set_msg(c_str!("tlsnic: peer name NAME-p must fit in 15 bytes"));
                enametoolong()
            }
            NameError::Empty | NameError::Invalid => {
                extack.set_msg(c_str!("tlsnic: invalid device name"));
                EINVAL
            }
        })?;
        // The peer lives in the namespace the request came from, the new device where the
        // request put it (`ip link add NAME netns NS type tlsnic`).
        let peer = new_device(rtnl, src_net, &peer_name)?.register(rtnl)?;
        let dev = peer
            .configure(rtnl)
            .and_then(|()| dev.register(rtnl))
            .inspect_err(|_| peer.unregister(rtnl))?;
        link(rtnl, dev, peer);
        Ok(())
    }

    fn dellink(rtnl: &Rtnl, dev: &Device<Self>, queue: &mut UnregisterQueue) {
        let peer = dev.data().peer.get_rtnl(rtnl);
        dev.data().peer.set(rtnl, None);
        queue.add(rtnl, dev);
        if let Some(peer) = peer {
            peer.data().peer.set(rtnl, None);
            queue.add(rtnl, peer);
        }
    }

    fn get_link_net<'a>(dev: &'a Device<Self>, rcu: &'a Rcu) -> &'a Net {
        dev.data()
            .peer
            .get(rcu)
            .map_or(dev.net(), |peer| peer.net())
    }
}

#[vtable]
impl EthtoolOps for Pair {
    const DRIVER: &'static CStr = c_str!("tlsnic");
    const STATS: &'static [&'static str] = stats::NAMES;

    fn stats(dev: &Device<Self>, out: &mut [u64]) {
        dev.data().stats.fill(out);
    }
}

#[vtable]
impl TlsDevOps for Pair {
    type TxFlow = TxHandle;
    type RxFlow = RxFlow;

    fn rx_resync(flow: &RxFlow) -> &RxResyncCtl {
        flow.resync_ctl()
    }

    fn add_tx(
        dev: &Device<Self>,
        sock: &TlsSocket,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<TxHandle> {
        let data = dev.data();
        add_flow(dev, Direction::Tx, sock, crypto_info, |setup| {
            let kick = || data.deferred.kick_source(dev, deferred_xmit);
            tx::add_tx(
                setup,
                kick,
                sock,
                crypto_info,
                start_seq,
                data.tx_resync.get(),
            )
        })
    }

    fn del_tx(dev: &Device<Self>, flow: TxHandle) {
        let data = dev.data();
        tx::del_tx(dev, &data.stats, &data.engine, &data.knobs.flows, flow)
    }

    fn resync_tx(dev: &Device<Self>, flow: Pin<&TxFlow>, seq: u32, rcd_sn: u64) {
        tx::resync_tx(dev, &dev.data().stats, &flow, seq, rcd_sn)
    }

    fn add_rx(
        dev: &Device<Self>,
        sock: &TlsSocket,
        held: &HeldData<'_>,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Arc<RxFlow>> {
        let data = dev.data();
        add_flow(dev, Direction::Rx, sock, crypto_info, |setup| {
            rx::add_rx(
                setup,
                &data.rx,
                sock,
                held,
                crypto_info,
                start_seq,
                data.resync.get(),
            )
        })
    }

    fn del_rx(dev: &Device<Self>, flow: Arc<RxFlow>) {
        let data = dev.data();
        rx::del_rx(
            dev,
            &data.stats,
            &data.engine,
            &data.rx,
            &data.knobs.flows,
            flow,
        )
    }

    fn resync_rx(dev: &Device<Self>, flow: ArcBorrow<'_, RxFlow>, seq: u32, rcd_sn: u64) {
        rx::resync_rx(dev, &dev.data().stats, flow, seq, rcd_sn)
    }
}

/// `tls_dev_add` in direction `dir`: the flow policy first, then `add` creates the flow. A flow
/// the device does not take is counted and traced, and its errno returned: it stays on
/// software kTLS.
fn add_flow<F>(
    dev: &Device<Pair>,
    dir: Direction,
    sock: &TlsSocket,
    crypto_info: &[u8],
    add: impl FnOnce(&Setup<'_, Pair>) -> Result<F, Refusal>,
) -> Result<F> {
    let data = dev.data();
    let admit = data.policy.admit(&data.stats, dir, sock);
    let refuse = |why| flow::refuse(dev, &data.stats, dir, sock, crypto_info, admit.name(), why);
    if admit == Admit::Software {
        return Err(refuse(Refusal::Policy));
    }
    let setup = Setup {
        dev,
        stats: &data.stats,
        engine: &data.engine,
        flows: &data.knobs.flows,
        policy: admit.name(),
    };
    add(&setup).map_err(refuse)
}

impl AttributeGroup for Pair {
    const NAME: &'static CStr = c_str!("tlsnic");
    const ATTRS: &'static [&'static CStr] = &[
        Attr::ALL[0].name(),
        Attr::ALL[1].name(),
        Attr::ALL[2].name(),
        Attr::ALL[3].name(),
        Attr::ALL[4].name(),
    ];

    fn show(dev: &Device<Self>, attr: usize) -> Result<CString> {
        match Attr::ALL.get(attr).ok_or(EINVAL)? {
            Attr::Policy => dev.data().policy.show(),
            Attr::Engine => dev.data().engine.show(),
            Attr::Resync => dev.data().resync.show(),
            Attr::TxResync => dev.data().tx_resync.show(),
            Attr::IrqCpus => show_irq_cpus(dev.data().irq.cpus()),
        }
    }

    fn store(dev: &Device<Self>, attr: usize, input: &[u8]) -> Result {
        let data = dev.data();
        match Attr::ALL.get(attr).ok_or(EINVAL)? {
            Attr::Policy => data.policy.store(input),
            Attr::Resync => data.resync.store(input),
            Attr::TxResync => data.tx_resync.store(input),
            Attr::IrqCpus => {
                let cpus = core_engine::parse_irq_cpus(input).map_err(|_| EINVAL)?;
                // As for a placement: a steering needs a CPU of its set online now.
                if cpus.is_some_and(|set| !set.iter().any(cpu::online)) {
                    return Err(EINVAL);
                }
                data.irq.steer(cpus);
                Ok(())
            }
            Attr::Engine => data.engine.store(&data.stats, input, |cpus| {
                // The block's work is allocated when a device is first placed, so that devices
                // without a placement never carry it (its teardown waits for a grace period).
                if cpus.is_some() {
                    data.block.prepare(dev, run_block)?;
                }
                data.block.place(cpus);
                Ok(())
            }),
        }
    }
}

/// Transmits a frame on `dev` here and now. Inline TLS: plaintext records of offloaded sockets
/// are encrypted here; a segment that cannot be encrypted is dropped, never sent in clear, or
/// waits for an asynchronous engine.
fn transmit(rcu: &Rcu, dev: &Device<Pair>, skb: SkBuff) {
    let data = dev.data();
    let Some(peer) = data.peer.get(rcu) else {
        dev.count_tx_dropped();
        return;
    };
    match tx::xmit(rcu, dev, &data.deferred, &data.tx_env(), skb) {
        Xmit::Send(skb) => put_on_wire(rcu, dev, peer, skb),
        Xmit::Deferred => {}
        Xmit::Dropped => dev.count_tx_dropped(),
    }
}

/// The device's crypto block work ran (on a CPU of its set): process the queued frames in
/// order. Process context, inside `rcu_read_lock_bh`.
fn run_block(rcu: &Rcu, dev: &Device<Pair>) {
    let paused = dev.data().knobs.faults.block_pause.load(Ordering::Relaxed) != 0;
    dev.data().block.run(rcu, paused, |way, skb| match way {
        Way::Tx => transmit(rcu, dev, skb),
        // A frame from the wire: its sender is the peer (gone: the pair is being deleted).
        Way::Rx => match dev.data().peer.get(rcu) {
            Some(peer) => receive(rcu, peer, dev, skb, Up::Backlog),
            None => drop(skb),
        },
    });
}

/// The device's receive interrupt's NAPI poll ran (on a CPU of its steering): receive the frames
/// of its ring in order, here; while paused by fault injection (`irq_pause`), leave them there
/// (a frame arriving after the pause ends raises the interrupt again, also when the ring is
/// full). Bottom halves disabled.
fn irq_poll(napi: &NapiPoll, dev: &Device<Pair>, budget: usize) -> usize {
    let data = dev.data();
    if data.knobs.faults.irq_pause.load(Ordering::Relaxed) != 0 {
        return 0;
    }
    let peer = data.peer.get(napi);
    data.irq.poll(&data.stats, budget, |skb| match peer {
        Some(peer) => receive(napi, peer, dev, skb, Up::Poll(napi)),
        None => drop(skb),
    })
}

/// The `irq_cpus` attribute's text: the CPU list, or `none`.
fn show_irq_cpus(cpus: Option<CpuSet>) -> Result<CString> {
    match cpus {
        Some(set) => CString::try_from_fmt(fmt!("{}\n", set)),
        None => CString::try_from_fmt(fmt!("none\n")),
    }
}

/// The device's deferred transmit work ran: send what waited for an asynchronous engine.
/// Process context, inside `rcu_read_lock_bh`.
fn deferred_xmit(rcu: &Rcu, dev: &Device<Pair>) {
    let data = dev.data();
    let Some(peer) = data.peer.get(rcu) else {
        data.deferred.purge(&data.stats);
        return;
    };
    tx::drain(rcu, dev, &data.deferred, &data.tx_env(), |skb| {
        put_on_wire(rcu, dev, peer, skb)
    });
}

/// Puts a frame `dev` transmits (encrypted if it belongs to an offloaded flow) on the wire to
/// `peer`.
fn put_on_wire(rcu: &Rcu, dev: &Device<Pair>, peer: &Device<Pair>, mut skb: SkBuff) {
    if !skb.may_pull(ETH_HLEN) {
        dev.count_tx_dropped();
        return;
    }
    skb.tx_timestamp();
    // What crosses the wire is never plaintext marked for a device: clear the mark so the
    // peer's stack cannot mistake it for device-decrypted data. Only the peer's receive
    // offload sets it again, on payload it decrypted.
    skb.clear_decrypted();
    let data = dev.data();
    data.knobs
        .faults
        .wire
        .transmit(&data.stats, skb, |frame| deliver(rcu, dev, peer, frame));
}

/// One frame arriving at `peer` from `dev`'s wire: into the peer's receive ring while frames
/// wait there, else into its crypto block if it runs on a CPU set, else into its receive ring
/// if its interrupt is steered, else received here.
fn deliver(rcu: &Rcu, dev: &Device<Pair>, peer: &Device<Pair>, skb: SkBuff) {
    let data = peer.data();
    let block = data.block.engaged();
    if data.irq.pending() || (!block && data.irq.steered()) {
        if data.irq.queue(rcu, &data.stats, skb).is_err() {
            dev.count_tx_dropped();
        }
        return;
    }
    if block {
        if data.block.queue(rcu, &data.stats, Way::Rx, skb).is_err() {
            dev.count_tx_dropped();
        }
        return;
    }
    receive(rcu, dev, peer, skb, Up::Backlog);
}

/// How a received frame goes up the stack.
#[derive(Clone, Copy)]
enum Up<'a> {
    /// Queued to this CPU's backlog (`netif_rx`): the wire's context or the block's work.
    Backlog,
    /// Here and now, from the device's NAPI poll.
    Poll(&'a NapiPoll),
}

/// `peer` receives a frame from `dev`'s wire: its XDP program sees it first, as it crossed the
/// wire, then its receive offload; then it goes `up`.
fn receive(rcu: &Rcu, dev: &Device<Pair>, peer: &Device<Pair>, skb: SkBuff, up: Up<'_>) {
    let data = peer.data();
    let xdp = XdpRx {
        xdp: &data.xdp,
        stats: &data.stats,
    };
    let Some(skb) = xdp_rx::receive(rcu, peer, &xdp, skb, |len| {
        dev.count_tx(len);
        peer.count_rx(len);
    }) else {
        return;
    };
    let skb = rx::receive(peer, &data.stats, &data.rx, &data.knobs.faults.engine, skb);
    let len = skb.len();
    let passed = match up {
        Up::Backlog => peer.receive(skb),
        Up::Poll(napi) => peer.receive_in_poll(napi, skb),
    };
    match passed {
        Ok(()) => {
            dev.count_tx(len);
            peer.count_rx(len);
        }
        Err(_) => dev.count_tx_dropped(),
    }
}

/// The device's XDP transmit work ran: put `XDP_TX` frames and frames redirected to the device
/// on its wire. Process context, inside `rcu_read_lock_bh`.
fn xdp_tx_run(rcu: &Rcu, dev: &Device<Pair>) {
    let data = dev.data();
    let peer = data.peer.get(rcu);
    match peer {
        Some(peer) if dev.is_running() => {
            data.xdp
                .txq
                .drain(rcu, |skb| put_on_wire(rcu, dev, peer, skb));
        }
        _ => data.xdp.txq.purge(&data.stats),
    }
}

/// Joins two registered devices into a pair, and gives each its debugfs directory.
fn link(rtnl: &Rtnl, a: &Device<Pair>, b: &Device<Pair>) {
    a.data().peer.set(rtnl, Some(b));
    b.data().peer.set(rtnl, Some(a));
    add_debugfs(rtnl, a);
    add_debugfs(rtnl, b);
}

/// Creates `/sys/kernel/debug/tlsnic/NAME/` with the device's fault knobs and live flows. The
/// directory keeps the name the device had then; if that name is taken (the same name in
/// another namespace) it is `NAME@IFINDEX`. Best effort: without debugfs the device works,
/// without knobs and flow view.
fn add_debugfs(rtnl: &Rtnl, dev: &Device<Pair>) {
    let raw = dev.name(rtnl);
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len() - 1);
    let Ok(name) = CStr::from_bytes_with_nul(&raw[..=end]) else {
        return;
    };
    let knobs = &dev.data().knobs;
    let _ = knobs.create(name, Some(&DEBUGFS_ROOT), Shown::expose)
        || CString::try_from_fmt(fmt!("{}@{}", name, dev.ifindex()))
            .is_ok_and(|alt| knobs.create(&alt, Some(&DEBUGFS_ROOT), Shown::expose));
}

/// Allocates a device of the pair's link kind named `name` (or a name from the template) in
/// `net`.
fn new_device(rtnl: &Rtnl, net: &Net, name: &IfName) -> Result<NewDevice<Pair>> {
    let name_c = CStr::from_bytes_with_nul(name.as_bytes_with_nul()).map_err(|_| EINVAL)?;
    NewDevice::create(rtnl, &LINK_OPS, net, name_c, name.is_template())
}

/// Creates one pair `tlsnicN` <-> `tlsnicN+1` in `net` (for the `pairs` module parameter).
pub(crate) fn create_pair(rtnl: &Rtnl, net: &Net) -> Result {
    let template = IfName::new(b"tlsnic%d").map_err(|_| EINVAL)?;
    let a = new_device(rtnl, net, &template)?;
    let b = new_device(rtnl, net, &template)?;
    let a = a.register(rtnl)?;
    let b = b.register(rtnl).inspect_err(|_| a.unregister(rtnl))?;
    link(rtnl, a, b);
    a.configure(rtnl)?;
    b.configure(rtnl)
}
