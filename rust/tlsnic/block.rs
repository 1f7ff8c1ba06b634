// SPDX-License-Identifier: GPL-2.0

//! The device's crypto block placement (`cpus=` in the `engine` attribute): a NIC's crypto
//! silicon runs beside the host's CPUs, not on the CPU of the application that sends or
//! receives. With a placement, a device hands every frame it transmits, and every frame the wire
//! brings it, to its [`Block`]: two queues (one per way, as a NIC has transmit and receive
//! rings) drained by the device's work item on the high-priority system workqueue, which runs
//! each frame's transmit or receive processing: sealing records and putting frames on the wire,
//! or opening records and passing frames up to the stack, whose receive processing then also
//! runs on that CPU.
//!
//! Where the work runs: when a frame finds the block idle, the work is queued on the lowest
//! online CPU of the set other than the CPU queueing the frame (that CPU itself if it is the
//! only online one of the set; the queueing CPU if none is online), so the application's CPU is
//! left alone whenever the set allows. While the work runs, frames queued meanwhile are taken
//! by that run: the workqueue keeps a work item on the worker running it, and a run that stops
//! at its budget queues itself again there. The block therefore moves to another CPU (a new
//! placement, say) when its queues drain.
//!
//! Order: each queue is drained in order by one work item, which never runs twice at once, so
//! every flow's frames keep their order in each way. When the placement is removed, frames keep
//! going through the queues until they are empty and the last frame queued has been processed,
//! so that no frame overtakes one queued before it.
//!
//! A full queue ([`QUEUE_MAX`] frames) drops the frame (`block_drop`), as a full NIC ring does;
//! TCP retransmits it. A device going down drops what waits; device removal waits for the work.
//! A run processes at most [`BUDGET_FRAMES`] frames or [`BUDGET_BYTES`] bytes with bottom halves
//! disabled, then queues itself again, so that it shares its CPU (as NAPI's budget does).

#![forbid(unsafe_code)]

use crate::base::cpu;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::skb::SkBuff;
use crate::base::sync::{new_spinlock_bh, Rcu, SpinLockBh};
use crate::base::workqueue::DeviceWork;
use crate::tlsnic_core::{
    engine::CpuSet,
    fifo::Fifo,
    stats::{Stat, Stats},
};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::prelude::*;

/// Frames each queue holds; more are dropped.
pub(crate) const QUEUE_MAX: usize = 128;

/// Frames one run processes at most.
const BUDGET_FRAMES: usize = 64;

/// Bytes one run processes at most (it finishes the frame that crosses the limit).
const BUDGET_BYTES: u32 = 256 * 1024;

/// Which way a frame goes through the block.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// Transmitted by the device: seal, then put on the wire.
    Tx,
    /// Arrived from the wire: open, then pass up.
    Rx,
}

/// The queues and the CPUs the block runs on.
struct State {
    tx: Fifo<SkBuff, QUEUE_MAX>,
    rx: Fifo<SkBuff, QUEUE_MAX>,
    /// The placement, or `None` (inline) once removed.
    cpus: Option<CpuSet>,
    /// Which queue the next frame comes from when both hold frames.
    rx_next: bool,
}

impl State {
    /// The next frame, alternating between the ways while both have frames.
    fn pop(&mut self) -> Option<(Way, SkBuff)> {
        let first = if self.rx_next { Way::Rx } else { Way::Tx };
        let second = if self.rx_next { Way::Tx } else { Way::Rx };
        let (way, skb) = match self.queue(first).pop_front() {
            Some(skb) => (first, skb),
            None => (second, self.queue(second).pop_front()?),
        };
        self.rx_next = way == Way::Tx;
        Some((way, skb))
    }

    fn queue(&mut self, way: Way) -> &mut Fifo<SkBuff, QUEUE_MAX> {
        match way {
            Way::Tx => &mut self.tx,
            Way::Rx => &mut self.rx,
        }
    }
}

/// A device's crypto block. See the module documentation.
#[pin_data]
pub(crate) struct Block<T: NetDeviceOps> {
    /// Declared first: cancelled before the queues are freed.
    work: DeviceWork<T>,
    #[pin]
    state: SpinLockBh<State>,
    /// A placement is set: new frames go through the queues.
    placed: AtomicBool,
    /// Frames queued and not yet processed to the end: while nonzero, new frames queue behind
    /// them even without a placement.
    pending: AtomicU32,
}

impl<T: NetDeviceOps> Block<T> {
    /// A block placed on `cpus` (`None`: frames are processed inline).
    pub(crate) fn new(cpus: Option<CpuSet>) -> impl PinInit<Self> {
        pin_init!(Self {
            work: DeviceWork::new_highpri(),
            state <- new_spinlock_bh!(
                State {
                    tx: Fifo::new(),
                    rx: Fifo::new(),
                    cpus,
                    rx_next: false,
                },
                "tlsnic_block"
            ),
            placed: AtomicBool::new(cpus.is_some()),
            pending: AtomicU32::new(0),
        })
    }

    /// Prepares the work of `dev`, which runs `run` (a function that calls [`Block::run`]); a
    /// block must be prepared before it is placed or, placed from the start, before its device
    /// opens. Process context.
    pub(crate) fn prepare(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result {
        self.work.kick_source(dev, run).map(drop)
    }

    /// Sets the placement (`None`: inline from now on, once the queues are empty).
    pub(crate) fn place(&self, cpus: Option<CpuSet>) {
        let mut state = self.state.lock();
        state.cpus = cpus;
        self.placed.store(cpus.is_some(), Ordering::Release);
    }

    /// Whether a placement is set.
    pub(crate) fn placed(&self) -> bool {
        self.placed.load(Ordering::Acquire)
    }

    /// Whether frames must go through the queues now.
    pub(crate) fn engaged(&self) -> bool {
        // `pending` is raised before a frame is queued and lowered after it was processed:
        // a frame that finds it zero comes after every queued frame was processed.
        self.placed.load(Ordering::Acquire) || self.pending.load(Ordering::Acquire) != 0
    }

    /// Queues `skb` to go `way` and makes sure the work will run; `Err` gives the frame back if
    /// its queue is full (the caller drops it).
    pub(crate) fn queue(
        &self,
        rcu: &Rcu,
        stats: &Stats,
        way: Way,
        skb: SkBuff,
    ) -> Result<(), SkBuff> {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let cpus = {
            let mut state = self.state.lock();
            if let Err(skb) = state.queue(way).push_back(skb) {
                drop(state);
                self.pending.fetch_sub(1, Ordering::AcqRel);
                stats.inc(Stat::BlockDrop);
                return Err(skb);
            }
            state.cpus
        };
        stats.inc(match way {
            Way::Tx => Stat::BlockTxFrames,
            Way::Rx => Stat::BlockRxFrames,
        });
        // The CPU to run on, if the work is idle (else the running worker takes the frame).
        let here = cpu::current();
        let there = cpus
            .and_then(|set| set.pick(here, cpu::online))
            .unwrap_or(here);
        self.work.kick_on(rcu, there);
        Ok(())
    }

    /// The work: processes frames in order with `process`, up to the budget, then queues itself
    /// again if frames remain. `paused` (fault injection): leave the frames where they are.
    pub(crate) fn run(&self, rcu: &Rcu, paused: bool, mut process: impl FnMut(Way, SkBuff)) {
        if paused {
            return;
        }
        let mut bytes = 0u32;
        for _ in 0..BUDGET_FRAMES {
            let Some((way, skb)) = self.state.lock().pop() else {
                return;
            };
            bytes = bytes.saturating_add(skb.len());
            process(way, skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
            if bytes >= BUDGET_BYTES {
                break;
            }
        }
        let more = {
            let state = self.state.lock();
            !state.tx.is_empty() || !state.rx.is_empty()
        };
        if more {
            // Queued while running, the work stays on this worker: the CPU named is this one.
            self.work.kick_on(rcu, cpu::current());
        }
    }

    /// Drops every waiting frame (the device is going down); `dropped` is called for each.
    pub(crate) fn purge(&self, stats: &Stats, mut dropped: impl FnMut(Way)) {
        loop {
            let Some((way, skb)) = self.state.lock().pop() else {
                return;
            };
            drop(skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
            stats.inc(Stat::BlockDrop);
            dropped(way);
        }
    }
}
