// SPDX-License-Identifier: GPL-2.0

//! The device's receive interrupt (`irq_cpus` attribute): where the frames the wire brings are
//! received, as a NIC's receive interrupt, steered to a CPU set, decides where its receive
//! processing runs.
//!
//! Without steering (the default) a tlsnic pair hands a frame to the peer in the sender's
//! context, as veth does: the peer's receive offload decrypts it, and the stack receives it, on
//! the sending CPU. With steering, the frame goes into the receiving device's ring ([`RING`]
//! frames) and the device raises its interrupt: its NAPI instance is scheduled on the calling
//! CPU if that CPU is in the set, else on the lowest online CPU of the set, by a cross-CPU call
//! (an IPI, `rx_irq_ipis`); while the instance is scheduled the interrupt is masked and the
//! running poll takes the frame. The poll then runs in that CPU's receive softirq, up to NAPI's
//! budget per round: XDP, the receive TLS offload (opening records) and the stack's receive
//! processing, all on that CPU. Steering each device to the CPU of the application it serves
//! keeps each end's receive work, the records it decrypts included, on that end's CPU, the
//! balance software kTLS has; no work item and no context switch stand in between.
//!
//! Order: one ring drained in order by one NAPI instance, which never polls twice at once, and
//! the poll passes each frame up before the next. When the steering is removed, frames keep
//! going through the ring until it is empty, so that none overtakes one queued before it; the
//! same holds towards the crypto block (`cpus=`), which takes a device's frames while it is
//! placed (the steering then waits) and which frames enter only once the ring is empty. The
//! other way, when a steering is set or a placement removed, frames still waiting in a CPU's
//! backlog (`netif_rx`) may be overtaken once, as when a NIC's interrupt affinity or RPS
//! changes. A new steering applies once the poll is idle: a poll that keeps finding frames stays
//! on its CPU.
//!
//! A full ring drops the frame (`rx_irq_drop`), as a full NIC ring does, and TCP retransmits it.
//! A device that is down takes no frame into its ring; going down drops what waits there.

#![forbid(unsafe_code)]

use crate::base::cpu;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::napi::{DeviceNapi, PollFn};
use crate::base::net::rtnl::Rtnl;
use crate::base::net::skb::SkBuff;
use crate::base::sync::{new_spinlock_bh, Rcu, SpinLockBh};
use crate::tlsnic_core::{
    engine::CpuSet,
    fifo::Fifo,
    stats::{Stat, Stats},
};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::prelude::*;

/// Frames the receive ring holds; more are dropped.
pub(crate) const RING: usize = 256;

/// The ring and the steering.
struct State {
    ring: Fifo<SkBuff, RING>,
    /// The CPUs the interrupt is steered to, or `None` (frames are received inline).
    cpus: Option<CpuSet>,
    /// The device is up: its NAPI instance is enabled and frames may enter the ring.
    up: bool,
}

/// A device's receive interrupt. See the module documentation.
#[pin_data]
pub(crate) struct RxIrq<T: NetDeviceOps> {
    /// Declared first: removed before the ring is freed.
    napi: DeviceNapi<T>,
    #[pin]
    state: SpinLockBh<State>,
    /// A steering is set.
    steered: AtomicBool,
    /// Frames in the ring and not yet processed to the end: while nonzero, new frames queue
    /// behind them even without steering.
    pending: AtomicU32,
}

impl<T: NetDeviceOps> RxIrq<T> {
    /// No steering; the device is down.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            napi: DeviceNapi::new(),
            state <- new_spinlock_bh!(
                State {
                    ring: Fifo::new(),
                    cpus: None,
                    up: false,
                },
                "tlsnic_rx_irq"
            ),
            steered: AtomicBool::new(false),
            pending: AtomicU32::new(0),
        })
    }

    /// The device comes up (`ndo_open`): adds its NAPI instance on first use, polled by `poll`
    /// (a function that calls [`RxIrq::poll`]), and enables it.
    pub(crate) fn open(&self, rtnl: &Rtnl, dev: &Device<T>, poll: PollFn<T>) -> Result {
        self.napi.add(rtnl, dev, poll)?;
        self.napi.enable(rtnl);
        self.state.lock().up = true;
        Ok(())
    }

    /// The device goes down (`ndo_stop`): no frame enters the ring any more, a poll in progress
    /// ends, and what waits is dropped (`dropped` is called for each).
    pub(crate) fn stop(&self, rtnl: &Rtnl, stats: &Stats, mut dropped: impl FnMut()) {
        self.state.lock().up = false;
        self.napi.disable(rtnl);
        while let Some(skb) = self.state.lock().ring.pop_front() {
            drop(skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
            stats.inc(Stat::RxIrqDrop);
            dropped();
        }
    }

    /// The steering (`None`: frames are received inline once the ring is empty).
    pub(crate) fn cpus(&self) -> Option<CpuSet> {
        self.state.lock().cpus
    }

    /// Steers the interrupt to `cpus` (`None`: no steering).
    pub(crate) fn steer(&self, cpus: Option<CpuSet>) {
        let mut state = self.state.lock();
        state.cpus = cpus;
        self.steered.store(cpus.is_some(), Ordering::Release);
    }

    /// Whether a steering is set.
    pub(crate) fn steered(&self) -> bool {
        self.steered.load(Ordering::Acquire)
    }

    /// Whether frames wait in the ring.
    pub(crate) fn pending(&self) -> bool {
        // `pending` is raised before a frame is queued and lowered after it was processed: a
        // frame that finds it zero comes after every queued frame was processed.
        self.pending.load(Ordering::Acquire) != 0
    }

    /// Queues `skb` in the ring and raises the interrupt; `Err` gives the frame back if the ring
    /// is full or the device is down (the caller drops it). A full ring raises the interrupt
    /// too, so that frames left there (by a paused poll) are taken.
    pub(crate) fn queue(&self, rcu: &Rcu, stats: &Stats, skb: SkBuff) -> Result<(), SkBuff> {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let (cpus, refused) = {
            let mut state = self.state.lock();
            let pushed = if state.up {
                state.ring.push_back(skb)
            } else {
                Err(skb)
            };
            let refused = match pushed {
                Ok(()) => None,
                Err(skb) => {
                    self.pending.fetch_sub(1, Ordering::AcqRel);
                    stats.inc(Stat::RxIrqDrop);
                    if !state.up {
                        return Err(skb);
                    }
                    Some(skb)
                }
            };
            (state.cpus, refused)
        };
        self.raise(rcu, stats, cpus);
        refused.map_or(Ok(()), Err)
    }

    /// Raises the interrupt on the CPU the steering `cpus` gives for this one.
    fn raise(&self, rcu: &Rcu, stats: &Stats, cpus: Option<CpuSet>) {
        let here = cpu::current();
        let there = cpus
            .and_then(|set| set.steer(here, cpu::online))
            .unwrap_or(here);
        if self.napi.schedule_on(rcu, there) {
            stats.inc(Stat::RxIrqIpis);
        }
    }

    /// The NAPI poll: processes at most `budget` frames in order with `process`; returns how
    /// many it processed.
    pub(crate) fn poll(
        &self,
        stats: &Stats,
        budget: usize,
        mut process: impl FnMut(SkBuff),
    ) -> usize {
        let mut done = 0;
        while done < budget {
            let Some(skb) = self.state.lock().ring.pop_front() else {
                break;
            };
            stats.inc(Stat::RxIrqFrames);
            process(skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
            done += 1;
        }
        done
    }
}
