// SPDX-License-Identifier: GPL-2.0

//! A device's table of idle key contexts ([`KeyTable`]), as a NIC keeps a table of crypto
//! contexts and only loads a key into one when a flow starts.
//!
//! A kernel-engine flow needs transforms: a transmit flow one AEAD (behind the SIMD wrapper on
//! x86, with its `cryptd` child), a receive flow up to six (see [`super::open`]). Allocating them
//! is most of a flow's setup cost in `tls_dev_add`. When a flow ends, its transforms are keyed
//! with an all-zero key of the longest AES key size, which overwrites every round key an AES-128
//! or AES-256 schedule holds (`ghash-generic` frees its key tables with `kfree_sensitive`), and
//! the requests' contexts are zeroed; the context is then kept here, and the next flow takes it
//! and loads its own key. The table keeps at most `key_contexts` (module parameter) idle contexts
//! per direction; more are freed. A transmit context is reused only for the algorithm it was
//! allocated for; an engine change frees the idle contexts, and one of another algorithm given
//! back later is freed when a flow meets it. Everything is freed with the device.
//!
//! Taking and giving back happen in process context (`tls_dev_add`, `tls_dev_del`): rekeying may
//! allocate and waits for an asynchronous request still in flight. The table's mutex covers only
//! the list; contexts are rekeyed outside it.

#![forbid(unsafe_code)]

use super::open::KernelOpener;
use super::seal::KernelSealer;
use crate::base::params;
use crate::base::workqueue::Kick;
use crate::tlsnic_core::stats::{Stat, Stats};
use kernel::{new_mutex, prelude::*, str::CStr, sync::Mutex};

/// The all-zero key given to a context when its flow ends: as long as the longest AES key, so
/// that it overwrites every round key of the schedule (an AES-128 key would leave the last
/// rounds of an AES-256 schedule in place).
const ZERO_KEY: [u8; 32] = [0; 32];

/// Idle key contexts of one device. See the module documentation.
#[pin_data]
pub(crate) struct KeyTable {
    #[pin]
    idle: Mutex<Idle>,
}

struct Idle {
    tx: Slots<KernelSealer>,
    rx: Slots<KernelOpener>,
}

/// Idle contexts of one direction: a taken one leaves an empty slot for the next to fill.
struct Slots<T>(KVec<Option<T>>);

impl<T> Slots<T> {
    const fn new() -> Self {
        Self(KVec::new())
    }

    /// How many contexts are kept.
    fn len(&self) -> usize {
        self.0.as_slice().iter().flatten().count()
    }

    /// Whether no more contexts may be kept.
    fn full(&self) -> bool {
        self.len() >= params::key_contexts() as usize
    }

    /// Empties the list, handing back what it held.
    fn clear(&mut self) -> Self {
        core::mem::replace(self, Self::new())
    }

    /// Takes an idle context, if any.
    fn take(&mut self) -> Option<T> {
        self.0.as_mut_slice().iter_mut().find_map(Option::take)
    }

    /// Keeps `ctx` if there is room under `key_contexts` and memory for a slot, and says
    /// whether it did; frees it otherwise.
    fn keep(&mut self, ctx: T) -> bool {
        if self.full() {
            return false;
        }
        match self.0.as_mut_slice().iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(ctx);
                true
            }
            None => self.0.push(Some(ctx), GFP_KERNEL).is_ok(),
        }
    }
}

impl KeyTable {
    /// An empty table.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            idle <- new_mutex!(
                Idle {
                    tx: Slots::new(),
                    rx: Slots::new(),
                },
                "tlsnic_key_table"
            ),
        })
    }

    /// An idle transmit context for `alg`, keyed with `key`, its asynchronous completions
    /// kicking `kick`; `None` if there is none. Idle contexts of another algorithm met on the way
    /// are freed.
    pub(crate) fn take_tx(
        &self,
        stats: &Stats,
        alg: &CStr,
        key: &[u8],
        kick: Option<Kick>,
    ) -> Option<KernelSealer> {
        // A context of another algorithm: the device's engine changed since it was made.
        self.take(
            stats,
            |i| &mut i.tx,
            |ctx| {
                ctx.alg.as_bytes() == alg.as_bytes() && ctx.enc.set_key(key, kick.clone()).is_ok()
            },
        )
    }

    /// An idle receive context keyed with `key`; `None` if there is none.
    pub(crate) fn take_rx(&self, stats: &Stats, key: &[u8]) -> Option<KernelOpener> {
        self.take(stats, |i| &mut i.rx, |ctx| ctx.set_key(key).is_ok())
    }

    /// Wipes an ended flow's transmit context and keeps it; frees it if the table is full or
    /// the wipe failed.
    pub(crate) fn put_tx(&self, stats: &Stats, ctx: KernelSealer) {
        self.put(
            stats,
            |i| &mut i.tx,
            ctx,
            |ctx| ctx.enc.set_key(&ZERO_KEY, None),
        );
    }

    /// Wipes an ended flow's receive context and keeps it; frees it if the table is full or
    /// the wipe failed.
    pub(crate) fn put_rx(&self, stats: &Stats, ctx: KernelOpener) {
        self.put(stats, |i| &mut i.rx, ctx, |ctx| ctx.set_key(&ZERO_KEY));
    }

    /// The first idle context of `list` that `load` keys for a new flow; the ones it fails on
    /// are freed. `load` runs outside the table's lock.
    fn take<T>(
        &self,
        stats: &Stats,
        list: fn(&mut Idle) -> &mut Slots<T>,
        mut load: impl FnMut(&mut T) -> bool,
    ) -> Option<T> {
        loop {
            let mut ctx = list(&mut self.idle.lock()).take()?;
            stats.dec(Stat::KeyCtxIdle);
            if load(&mut ctx) {
                return Some(ctx);
            }
        }
    }

    /// Keeps `ctx` in `list` once `wipe` has wiped it; frees it if `list` is full or the wipe
    /// failed. `wipe` runs outside the table's lock.
    fn put<T>(
        &self,
        stats: &Stats,
        list: fn(&mut Idle) -> &mut Slots<T>,
        mut ctx: T,
        wipe: impl FnOnce(&mut T) -> Result,
    ) {
        let full = list(&mut self.idle.lock()).full();
        if full || wipe(&mut ctx).is_err() {
            return;
        }
        if list(&mut self.idle.lock()).keep(ctx) {
            stats.inc(Stat::KeyCtxIdle);
        }
    }

    /// Frees every idle context (the device's engine changed).
    pub(crate) fn clear(&self, stats: &Stats) {
        let (tx, rx) = {
            let mut idle = self.idle.lock();
            (idle.tx.clear(), idle.rx.clear())
        };
        stats.sub(Stat::KeyCtxIdle, (tx.len() + rx.len()) as u64);
        // The contexts are freed here, outside the lock.
    }
}
