// SPDX-License-Identifier: GPL-2.0

//! A net device's work item ([`DeviceWork`]) and the handle that schedules it ([`Kick`]).
//!
//! The work runs a driver function on the device in process context, inside `rcu_read_lock_bh`
//! (the context of the transmit path), on one system workqueue chosen when the `DeviceWork` is
//! made: the normal one ([`DeviceWork::new`]) or the high-priority one
//! ([`DeviceWork::new_highpri`]); on the CPU that queues it ([`Kick::kick`],
//! [`DeviceWork::kick`]) or on a chosen CPU ([`DeviceWork::kick_on`]). The work never runs twice
//! at once: the workqueue sends a work item queued while it runs to the worker running it (on
//! that worker's CPU, whatever CPU was asked for). It is allocated on first use,
//! from process context, in a reference-counted allocation that every [`Kick`] shares. A
//! `DeviceWork` lives in the device's private data (checked when it is first used); dropping it
//! stops all kicks, waits for kicks in progress and cancels (or waits for) the work, so the
//! work never runs on a device that is being freed, whatever happened to the kicks.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::sync::{rcu, Rcu, RcuBhGuard};
use core::{
    mem,
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::Opaque,
};

/// The shared allocation behind a [`DeviceWork`]: the work item first, so that the work function
/// finds the rest from it.
///
/// # Invariants
///
/// `dev` is the device whose private data holds the `DeviceWork` this belongs to; while `dead`
/// is false that device is live.
#[repr(C)]
#[pin_data]
struct Inner<T: NetDeviceOps> {
    #[pin]
    work: Opaque<bindings::work_struct>,
    dev: NonNull<bindings::net_device>,
    run: fn(&Rcu, &Device<T>),
    /// Queued on the high-priority system workqueue, not the normal one.
    highpri: bool,
    /// The `DeviceWork` is gone: kicks do nothing.
    dead: AtomicBool,
}

// SAFETY: the device is built for concurrent use, the work item may be queued from any context,
// and the rest is immutable or atomic.
unsafe impl<T: NetDeviceOps> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: NetDeviceOps> Sync for Inner<T> {}

/// Something a [`Kick`] schedules.
trait Kickable: Send + Sync {
    /// Queues the work unless its owner is gone; inside an RCU read-side section.
    fn kick(&self, rcu: &Rcu);
}

impl<T: NetDeviceOps> Kickable for Inner<T> {
    fn kick(&self, _rcu: &Rcu) {
        // The owner stores `dead` and then waits for an RCU grace period before cancelling the
        // work: a kick that saw `false` queues the work before that wait ends, and one that
        // starts later sees `true`.
        if !self.dead.load(Ordering::Acquire) {
            // SAFETY: the work item was initialised with the allocation and lives as long as
            // it; queueing an initialised work item is allowed from any context.
            unsafe { bindings::tlsnic_queue_work(self.work.get(), self.highpri) };
        }
    }
}

impl<T: NetDeviceOps> Inner<T> {
    /// As [`Kickable::kick`], on CPU `cpu` (this CPU if `cpu` is not online).
    fn kick_on(&self, _rcu: &Rcu, cpu: u32) {
        // As in `kick`.
        if !self.dead.load(Ordering::Acquire) {
            // SAFETY: as in `kick`; the shim queues on `cpu` only if it is an online CPU id
            // (`queue_work_on` itself does not check it), else on this CPU.
            unsafe { bindings::tlsnic_queue_work_on(cpu, self.work.get(), self.highpri) };
        }
    }
}

/// A work item of a device of driver `T`, running a driver function on it.
///
/// # Invariants
///
/// `inner` is null or comes from `Arc::into_raw`: this value owns that reference.
pub(crate) struct DeviceWork<T: NetDeviceOps> {
    inner: AtomicPtr<Inner<T>>,
    /// Queued on the high-priority system workqueue.
    highpri: bool,
}

impl<T: NetDeviceOps> DeviceWork<T> {
    /// Not allocated yet; runs on the system workqueue.
    pub(crate) const fn new() -> Self {
        Self {
            inner: AtomicPtr::new(ptr::null_mut()),
            highpri: false,
        }
    }

    /// Not allocated yet; runs on the high-priority system workqueue.
    pub(crate) const fn new_highpri() -> Self {
        Self {
            inner: AtomicPtr::new(ptr::null_mut()),
            highpri: true,
        }
    }

    /// The allocation, if any, borrowed from this value.
    fn get(&self) -> Option<&Inner<T>> {
        let p = self.inner.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a reference this value owns (type invariant), released
        // only in `drop`.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// The handle that schedules the work of `dev`, which runs `run`; allocated on first use (a
    /// later call keeps the first `run`). `self` must be part of `dev`'s private data
    /// (`EINVAL` otherwise). Process context.
    pub(crate) fn kick_source(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result<Kick> {
        if self.get().is_none() {
            // The work may run until `self` is dropped: only the device's own private data may
            // hold it.
            dev.check_own(self)?;
            let dev_ptr = NonNull::new(dev.as_raw()).ok_or(EINVAL)?;
            let new: Arc<Inner<T>> = Arc::pin_init(
                pin_init!(Inner {
                    // SAFETY: `INIT_WORK` initialises the work item in place, with the work
                    // function of this `Inner<T>`'s layout.
                    work <- Opaque::ffi_init(|slot| unsafe {
                        bindings::tlsnic_init_work(slot, Some(run_work::<T>))
                    }),
                    dev: dev_ptr,
                    run,
                    highpri: self.highpri,
                    dead: AtomicBool::new(false),
                }),
                GFP_KERNEL,
            )?;
            let raw = Arc::into_raw(new).cast_mut();
            // INVARIANT: published once, owning the reference; `dev` holds `self` in its
            // private data (checked above).
            if self
                .inner
                .compare_exchange(ptr::null_mut(), raw, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Another flow's setup published one first.
                // SAFETY: `raw` came from `Arc::into_raw` above and was not published.
                drop(unsafe { Arc::from_raw(raw) });
            }
        }
        let inner = self.get().ok_or(EINVAL)?;
        if inner.dev.as_ptr() != dev.as_raw() {
            return Err(EINVAL);
        }
        // SAFETY: `inner` is the allocation of an `Arc` this value owns a reference to; taking
        // another one for the `Kick` is what `ArcBorrow::into` does.
        let arc: Arc<Inner<T>> = unsafe { ArcBorrow::from_raw(ptr::from_ref(inner)) }.into();
        Ok(Kick(arc))
    }

    /// Schedules the work again (from the work itself), if allocated.
    pub(crate) fn kick(&self, rcu: &Rcu) {
        if let Some(inner) = self.get() {
            inner.kick(rcu);
        }
    }

    /// Schedules the work on CPU `cpu` (on this CPU if `cpu` is not an online CPU; on the CPU
    /// where the work is running, if it is), if allocated. Any context of the device's data
    /// path: the device is live while it runs.
    pub(crate) fn kick_on(&self, rcu: &Rcu, cpu: u32) {
        if let Some(inner) = self.get() {
            inner.kick_on(rcu, cpu);
        }
    }
}

impl<T: NetDeviceOps> Drop for DeviceWork<T> {
    fn drop(&mut self) {
        let raw = mem::replace(self.inner.get_mut(), ptr::null_mut());
        if raw.is_null() {
            return;
        }
        // SAFETY: the reference this value owned (type invariant), given up here.
        let inner = unsafe { Arc::from_raw(raw) };
        inner.dead.store(true, Ordering::Release);
        // Kicks run inside RCU read-side sections: after a grace period, none that saw `dead`
        // false is still running, and none will queue the work again.
        rcu::synchronize();
        // SAFETY: the work item is initialised; after `cancel_work_sync` it is neither queued
        // nor running, and it is never queued again (`dead`). `Kick`s may keep the allocation.
        unsafe { bindings::cancel_work_sync(inner.work.get()) };
    }
}

/// The work function of a [`DeviceWork`] of driver `T`.
///
/// # Safety
///
/// `work` is the work item of a live `Inner<T>` whose owner has not been dropped (the owner
/// cancels the work before the device goes).
unsafe extern "C" fn run_work<T: NetDeviceOps>(work: *mut bindings::work_struct) {
    // SAFETY: the work item is the first field of a `#[repr(C)]` `Inner<T>`, kept allocated by
    // its owner until the work is cancelled.
    let inner = unsafe { &*work.cast::<Inner<T>>() };
    let rcu = RcuBhGuard::lock();
    // SAFETY: the owner is not dropped yet, so its device is live (type invariant of `Inner`).
    let dev = unsafe { Device::<T>::from_raw(inner.dev.as_ptr()) };
    (inner.run)(&rcu, dev);
}

/// A handle that schedules a [`DeviceWork`], for completion callbacks. It keeps the work's
/// allocation alive; once the `DeviceWork` is dropped, kicking does nothing.
#[derive(Clone)]
pub(crate) struct Kick(Arc<dyn Kickable>);

impl Kick {
    /// Schedules the work (inside an RCU read-side section, which the `DeviceWork`'s drop waits
    /// for).
    pub(crate) fn kick(&self, rcu: &Rcu) {
        self.0.kick(rcu);
    }
}
