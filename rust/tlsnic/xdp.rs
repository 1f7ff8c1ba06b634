// SPDX-License-Identifier: GPL-2.0

//! Native XDP on a tlsnic device: what the receive path does with the program's verdicts, and
//! the device's XDP transmit queue.
//!
//! The program runs on each frame arriving from the wire, before the device's receive TLS
//! offload: it sees the frame as it crossed the wire, TLS records still encrypted, as on veth
//! and mlx5. `XDP_PASS` hands the frame as the program left it to the receive offload and the
//! stack; `XDP_DROP` drops it; `XDP_TX` and frames other devices redirect here
//! (`ndo_xdp_xmit`) wait in the device's XDP transmit queue, whose work puts them on the wire
//! (so a program answering a program never recurses); `XDP_REDIRECT` goes through the core
//! (`xdp_do_redirect`, flushed at once); `XDP_ABORTED` and invalid actions drop the frame and
//! are traced (`xdp:xdp_exception`). Every verdict is counted (`rx_xdp_*`, `tx_xdp_*`).

#![forbid(unsafe_code)]

use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::skb::SkBuff;
use crate::base::net::xdp::{Verdict, XdpSlot};
use crate::base::sync::{new_spinlock_bh, Rcu, SpinLockBh};
use crate::base::workqueue::DeviceWork;
use crate::tlsnic_core::{
    fifo::Fifo,
    stats::{Stat, Stats},
};
use kernel::{init::PinInit, pin_init, prelude::*};

/// Frames the XDP transmit queue holds; more are dropped (`rx_xdp_tx_errors`,
/// `tx_xdp_xmit_errors`).
const XDP_TX_MAX: usize = 256;

/// A device's XDP transmit queue: `XDP_TX` frames of its program and frames redirected to it,
/// on their way to the wire, sent by the device's work in order.
#[pin_data]
pub(crate) struct XdpTxQueue<T: NetDeviceOps> {
    /// Declared first: cancelled before the queue is freed.
    work: DeviceWork<T>,
    #[pin]
    queue: SpinLockBh<Fifo<SkBuff, XDP_TX_MAX>>,
}

impl<T: NetDeviceOps> XdpTxQueue<T> {
    /// An empty queue.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            work: DeviceWork::new(),
            queue <- new_spinlock_bh!(Fifo::new(), "tlsnic_xdp_tx"),
        })
    }

    /// Allocates the queue's work, which runs `run` on `dev` (whose private data holds the
    /// queue). Process context (`ndo_open`).
    pub(crate) fn prepare(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result {
        self.work.kick_source(dev, run).map(drop)
    }

    /// Queues `skb` and schedules the work; gives the frame back when the queue is full.
    fn push(&self, rcu: &Rcu, skb: SkBuff) -> Result<(), SkBuff> {
        self.queue.lock().push_back(skb)?;
        self.work.kick(rcu);
        Ok(())
    }

    /// Drops every waiting frame (the device is going down).
    pub(crate) fn purge(&self, stats: &Stats) {
        while let Some(skb) = self.queue.lock().pop_front() {
            stats.inc(Stat::XdpXmitErrors);
            drop(skb);
        }
    }

    /// Sends the waiting frames with `send`, at most a queue's worth; reschedules itself if
    /// more came meanwhile. The device's work.
    pub(crate) fn drain(&self, rcu: &Rcu, mut send: impl FnMut(SkBuff)) {
        for _ in 0..XDP_TX_MAX {
            let Some(skb) = self.queue.lock().pop_front() else {
                return;
            };
            send(skb);
        }
        if !self.queue.lock().is_empty() {
            self.work.kick(rcu);
        }
    }
}

/// A device's native XDP: its program and its transmit queue. The queue is dropped first (its
/// work cancelled), then the program's reference.
#[pin_data]
pub(crate) struct DevXdp<T: NetDeviceOps> {
    /// `XDP_TX` frames and frames redirected to the device, and the work that sends them.
    #[pin]
    pub(crate) txq: XdpTxQueue<T>,
    /// The program, run on each frame from the wire before receive TLS offload.
    pub(crate) slot: XdpSlot,
}

impl<T: NetDeviceOps> DevXdp<T> {
    /// No program, an empty queue.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            txq <- XdpTxQueue::new(),
            slot: XdpSlot::new(),
        })
    }
}

/// What a device needs to run its XDP program on a frame.
pub(crate) struct XdpRx<'a, T: NetDeviceOps> {
    /// The program and the transmit queue.
    pub(crate) xdp: &'a DevXdp<T>,
    /// The device's counters.
    pub(crate) stats: &'a Stats,
}

/// `dev` receives `skb` from its wire: its XDP program, if any, runs first. Returns the frame
/// for the receive offload and the stack (untouched without a program, as the program left it
/// after `XDP_PASS`), or `None` when XDP consumed it; `consumed(len)` then counts the frame as
/// carried by the wire.
pub(crate) fn receive<T: NetDeviceOps>(
    rcu: &Rcu,
    dev: &Device<T>,
    rx: &XdpRx<'_, T>,
    skb: SkBuff,
    consumed: impl FnOnce(u32),
) -> Option<SkBuff> {
    // A device that is down runs nothing: the stack drops the frame.
    if !rx.xdp.slot.attached() || !dev.is_running() {
        return Some(skb);
    }
    let stats = rx.stats;
    let len = skb.len();
    let verdict = dev.xdp_run(rcu, &rx.xdp.slot, skb);
    if !matches!(
        verdict,
        Verdict::NoProg(_) | Verdict::Oversize | Verdict::NoMem
    ) {
        stats.inc(Stat::XdpPackets);
        stats.add(Stat::XdpBytes, u64::from(len));
    }
    let stat = match verdict {
        Verdict::NoProg(skb) => return Some(skb),
        Verdict::Pass(skb) => {
            stats.inc(Stat::XdpPass);
            return Some(skb);
        }
        Verdict::Tx(skb) => match rx.xdp.txq.push(rcu, skb) {
            Ok(()) => Stat::XdpTx,
            Err(skb) => {
                drop(skb);
                dev.xdp_tx_failed(rcu, &rx.xdp.slot);
                Stat::XdpTxErrors
            }
        },
        Verdict::Drop => Stat::XdpDrop,
        Verdict::Redirected => Stat::XdpRedirect,
        Verdict::RedirectFailed => Stat::XdpRedirectErrors,
        Verdict::Aborted => Stat::XdpAborted,
        Verdict::Oversize => Stat::XdpOversize,
        Verdict::NoMem => Stat::XdpNoMem,
    };
    stats.inc(stat);
    consumed(len);
    None
}

/// Frames of another device's `XDP_REDIRECT` (or this device's own) handed to `dev` for its
/// wire, made skbs and queued: counted as taken (`tx_xdp_xmit`) or dropped for a full queue
/// (`tx_xdp_xmit_errors`, consumed all the same). Returns how many frames were consumed.
pub(crate) fn xmit<T: NetDeviceOps>(
    rcu: &Rcu,
    dev: &Device<T>,
    txq: &XdpTxQueue<T>,
    stats: &Stats,
    frames: &crate::base::net::xdp::XdpFrames<'_>,
) -> usize {
    let n = dev.xdp_frames_each(frames, |skb| match txq.queue.lock().push_back(skb) {
        Ok(()) => stats.inc(Stat::XdpXmit),
        Err(skb) => {
            stats.inc(Stat::XdpXmitErrors);
            drop(skb);
        }
    });
    txq.work.kick(rcu);
    n
}
