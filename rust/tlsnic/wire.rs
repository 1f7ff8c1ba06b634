// SPDX-License-Identifier: GPL-2.0

//! Fault injection on the virtual wire: the device model's lossy link.
//!
//! Each device has four probabilities, in parts per million, applied to every frame it transmits
//! (after transmit offload encrypted it, before the peer's receive offload sees it), plus the
//! state of the generator that draws them. They are debugfs files under
//! `/sys/kernel/debug/tlsnic/<device>/`:
//!
//! - `drop_ppm`: the frame is lost;
//! - `reorder_ppm`: the frame is held back and delivered after the next frame the device sends;
//! - `duplicate_ppm`: the frame is delivered twice;
//! - `corrupt_ppm`: one byte of the frame's TCP payload is flipped in a private copy, behind the
//!   TCP checksum's back (the frame keeps its "checksum verified/offloaded" state, as if a
//!   middlebox had rewritten it and fixed the checksum), so only TLS can notice;
//! - `seed`: the generator state (SplitMix64); writing it replays the same fault sequence for the
//!   same traffic.
//!
//! A frame is a whole skb: with segmentation offload that is up to 64 KiB of a TCP flow, so a
//! drop loses a burst of segments. Counters: `wire_drop`, `wire_reorder`, `wire_duplicate`,
//! `wire_corrupt` in `ethtool -S` of the transmitting device.

#![forbid(unsafe_code)]

use crate::base::debugfs::Files;
use crate::base::net::skb::SkBuff;
use crate::base::sync::{new_spinlock_bh, SpinLockBh};
use crate::tlsnic_core::{
    packet,
    stats::{Stat, Stats},
};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use kernel::{c_str, prelude::*};

/// One in a million.
const PPM: u64 = 1_000_000;

/// A pseudo-random source for fault injection (SplitMix64, lock-free).
pub(crate) struct Dice {
    seed: AtomicU64,
}

impl Dice {
    pub(crate) const fn new(seed: u64) -> Self {
        Self {
            seed: AtomicU64::new(seed),
        }
    }

    /// Draws against a probability in ppm.
    pub(crate) fn roll(&self, ppm: &AtomicU32) -> bool {
        let p = u64::from(ppm.load(Ordering::Relaxed));
        p != 0 && self.next() % PPM < p
    }

    /// SplitMix64: the state advances by a constant, the output is a mix of it.
    fn next(&self) -> u64 {
        const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut z = self
            .seed
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The fault model of one device's wire.
#[pin_data]
pub(crate) struct Wire {
    drop_ppm: AtomicU32,
    reorder_ppm: AtomicU32,
    duplicate_ppm: AtomicU32,
    corrupt_ppm: AtomicU32,
    dice: Dice,
    /// Whether `held` holds a frame (read without the lock on the fast path).
    holding: AtomicBool,
    /// A frame held back by `reorder_ppm`.
    #[pin]
    held: SpinLockBh<Option<SkBuff>>,
}

impl Wire {
    /// A fault-free wire.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            drop_ppm: AtomicU32::new(0),
            reorder_ppm: AtomicU32::new(0),
            duplicate_ppm: AtomicU32::new(0),
            corrupt_ppm: AtomicU32::new(0),
            dice: Dice::new(0x7c15_7c15_7c15_7c15),
            holding: AtomicBool::new(false),
            held <- new_spinlock_bh!(None, "tlsnic_wire_held"),
        })
    }

    /// Publishes the knobs in a debugfs directory.
    pub(crate) fn expose<'a>(&'a self, files: &Files<'a>) {
        files.u32(c_str!("drop_ppm"), &self.drop_ppm);
        files.u32(c_str!("reorder_ppm"), &self.reorder_ppm);
        files.u32(c_str!("duplicate_ppm"), &self.duplicate_ppm);
        files.u32(c_str!("corrupt_ppm"), &self.corrupt_ppm);
        files.u64(c_str!("seed"), &self.dice.seed);
    }

    /// Sends `skb` over the wire: `deliver` is called for each frame that comes out at the
    /// other end, in order (none, one, or more).
    pub(crate) fn transmit(&self, stats: &Stats, skb: SkBuff, mut deliver: impl FnMut(SkBuff)) {
        let faults = self.drop_ppm.load(Ordering::Relaxed)
            | self.reorder_ppm.load(Ordering::Relaxed)
            | self.duplicate_ppm.load(Ordering::Relaxed)
            | self.corrupt_ppm.load(Ordering::Relaxed);
        if faults == 0 && !self.holding.load(Ordering::Relaxed) {
            deliver(skb);
            return;
        }
        if self.dice.roll(&self.drop_ppm) {
            stats.inc(Stat::WireDrop);
            drop(skb);
            return;
        }
        let skb = if self.dice.roll(&self.corrupt_ppm) {
            self.corrupt(stats, skb)
        } else {
            skb
        };
        let dup = if self.dice.roll(&self.duplicate_ppm) {
            let d = skb.clone_shared();
            if d.is_some() {
                stats.inc(Stat::WireDuplicate);
            }
            d
        } else {
            None
        };
        let (now, released) = {
            let mut held = self.held.lock();
            let released = held.take();
            if released.is_none() && self.dice.roll(&self.reorder_ppm) {
                stats.inc(Stat::WireReorder);
                *held = Some(skb);
                self.holding.store(true, Ordering::Relaxed);
                (None, None)
            } else {
                self.holding.store(false, Ordering::Relaxed);
                (Some(skb), released)
            }
        };
        for frame in [now, dup, released].into_iter().flatten() {
            deliver(frame);
        }
    }

    /// Drops a held-back frame (the device goes down).
    pub(crate) fn flush(&self) {
        let held = self.held.lock().take();
        self.holding.store(false, Ordering::Relaxed);
        drop(held);
    }

    /// Flips one bit of one TCP payload byte in a private copy of `skb`; frames without TCP
    /// payload, and frames that cannot be copied, go unchanged.
    fn corrupt(&self, stats: &Stats, skb: SkBuff) -> SkBuff {
        let Some(mut copy) = skb.private_copy() else {
            return skb;
        };
        let data = copy.data_mut();
        let Some(seg) = packet::parse(data, data.len()) else {
            return skb;
        };
        if seg.payload_len == 0 {
            return skb;
        }
        let r = self.dice.next();
        let at = seg.payload_off + (r % seg.payload_len as u64) as usize;
        data[at] ^= 1 << ((r >> 32) % 8);
        stats.inc(Stat::WireCorrupt);
        drop(skb);
        copy.into_skb()
    }
}
