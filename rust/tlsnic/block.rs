// SPDX-License-Identifier: GPL-2.0

//! The device's crypto block placement (`cpus=` in the `engine` attribute): a NIC's crypto
//! silicon runs beside the host's CPUs, not on the CPU of the application that sends or
//! receives. With a placement, a device hands every frame it transmits, and every frame the wire
//! brings it, to its [`Block`]: a queue drained by the device's work item on a CPU of the set
//! (the lowest online one other than the CPU that queued the frame, so the application's CPU is
//! left alone whenever the set allows), which runs the frame's transmit or receive processing
//! there: sealing records and putting frames on the wire, or opening records and passing frames
//! up to the stack, whose receive processing then also runs on that CPU.
//!
//! One queue per device, drained by one work item (which never runs twice at once), keeps
//! every frame in order, hence every flow's. When the placement is removed, frames keep going
//! through the queue until it is empty and the last one queued has been processed, so that no
//! frame overtakes one queued before it. A full queue ([`BLOCK_MAX`] frames; TCP's small-queue
//! limit keeps a flow far below it) drops the frame (`block_drop`), as a full NIC ring does;
//! TCP retransmits it. A device going down drops what waits; device removal waits for the work.

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

/// Frames a block holds; more are dropped.
pub(crate) const BLOCK_MAX: usize = 512;

/// Frames one run of the work processes before it queues itself again, so that it shares its
/// CPU (as NAPI's budget does).
const BUDGET: usize = 64;

/// Which way a frame goes through the block.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// Transmitted by the device: seal, then put on the wire.
    Tx,
    /// Arrived from the wire: open, then pass up.
    Rx,
}

/// The queue and the CPUs it runs on.
struct State {
    frames: Fifo<(Way, SkBuff), BLOCK_MAX>,
    /// The placement, or `None` (inline) once removed.
    cpus: Option<CpuSet>,
}

/// A device's crypto block. See the module documentation.
#[pin_data]
pub(crate) struct Block<T: NetDeviceOps> {
    /// Declared first: cancelled before the queue is freed.
    work: DeviceWork<T>,
    #[pin]
    state: SpinLockBh<State>,
    /// A placement is set: new frames go through the queue.
    placed: AtomicBool,
    /// Frames queued and not yet processed to the end: while nonzero, new frames queue behind
    /// them even without a placement.
    pending: AtomicU32,
}

impl<T: NetDeviceOps> Block<T> {
    /// A block placed on `cpus` (`None`: frames are processed inline).
    pub(crate) fn new(cpus: Option<CpuSet>) -> impl PinInit<Self> {
        pin_init!(Self {
            work: DeviceWork::new(),
            state <- new_spinlock_bh!(
                State {
                    frames: Fifo::new(),
                    cpus,
                },
                "tlsnic_block"
            ),
            placed: AtomicBool::new(cpus.is_some()),
            pending: AtomicU32::new(0),
        })
    }

    /// Prepares the work of `dev`, which runs `run` (a function that calls [`Block::run`]).
    /// Process context (the device is being opened).
    pub(crate) fn prepare(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result {
        self.work.kick_source(dev, run).map(drop)
    }

    /// Sets the placement (`None`: inline from now on, once the queue is empty).
    pub(crate) fn place(&self, cpus: Option<CpuSet>) {
        let mut state = self.state.lock();
        state.cpus = cpus;
        self.placed.store(cpus.is_some(), Ordering::Release);
    }

    /// Whether frames must go through the queue now.
    pub(crate) fn engaged(&self) -> bool {
        // `pending` is raised before a frame is queued and lowered after it was processed:
        // a frame that finds it zero comes after every queued frame was processed.
        self.placed.load(Ordering::Acquire) || self.pending.load(Ordering::Acquire) != 0
    }

    /// Queues `skb` to go `way` and makes sure the work will run; `Err` gives the frame back if
    /// the queue is full (the caller drops it).
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
            if let Err((_, skb)) = state.frames.push_back((way, skb)) {
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
        self.kick(rcu, stats, cpus);
        Ok(())
    }

    /// Queues the work on a CPU of `cpus`, or on this CPU if none (other than this one) is
    /// online or the placement was removed.
    fn kick(&self, rcu: &Rcu, stats: &Stats, cpus: Option<CpuSet>) {
        let here = cpu::current();
        let there = cpus
            .and_then(|set| set.pick(here, cpu::online))
            .unwrap_or(here);
        if there == here {
            stats.inc(Stat::BlockSameCpu);
        }
        self.work.kick_on(rcu, there);
    }

    /// The work: processes up to a budget of frames in order with `process`, then queues itself
    /// again if frames remain.
    pub(crate) fn run(&self, rcu: &Rcu, mut process: impl FnMut(Way, SkBuff)) {
        for _ in 0..BUDGET {
            let Some((way, skb)) = self.state.lock().frames.pop_front() else {
                return;
            };
            process(way, skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        let (more, cpus) = {
            let state = self.state.lock();
            (!state.frames.is_empty(), state.cpus)
        };
        if more {
            // Stay on this CPU if it is one of the set.
            let here = cpu::current();
            let there = match cpus {
                Some(set) if set.contains(here) => here,
                Some(set) => set.pick(here, cpu::online).unwrap_or(here),
                None => here,
            };
            self.work.kick_on(rcu, there);
        }
    }

    /// Drops every waiting frame (the device is going down); `dropped` is called for each.
    pub(crate) fn purge(&self, stats: &Stats, mut dropped: impl FnMut(Way)) {
        loop {
            let Some((way, skb)) = self.state.lock().frames.pop_front() else {
                return;
            };
            drop(skb);
            self.pending.fetch_sub(1, Ordering::AcqRel);
            stats.inc(Stat::BlockDrop);
            dropped(way);
        }
    }
}
