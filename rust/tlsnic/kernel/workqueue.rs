// SPDX-License-Identifier: GPL-2.0

//! A net device's work item ([`DeviceWork`]) and the handle that schedules it ([`Kick`]).
//!
//! The work runs a driver function on the device in process context, inside `rcu_read_lock_bh`
//! (the context of the transmit path), on the system workqueue. It is allocated on first use,
//! from process context, and lives until its owner (the device's private data) is dropped,
//! which waits for pending kicks and for a running work to finish.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::sync::{rcu, Rcu, RcuBhGuard};
use core::{
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{prelude::*, types::Opaque};

/// The allocation behind a [`DeviceWork`]: the work item first, so that the work function finds
/// the rest from it.
#[repr(C)]
struct Inner<T: NetDeviceOps> {
    work: Opaque<bindings::work_struct>,
    dev: NonNull<bindings::net_device>,
    run: fn(&Rcu, &Device<T>),
}

/// A work item of a device of driver `T`.
///
/// # Invariants
///
/// The pointer is null or comes from `KBox::into_raw` of an [`Inner`] whose work item is
/// initialised and whose device outlives it (the device's private data owns the `DeviceWork`).
pub(crate) struct DeviceWork<T: NetDeviceOps>(AtomicPtr<Inner<T>>);

impl<T: NetDeviceOps> DeviceWork<T> {
    /// Not allocated yet.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// The handle that schedules the work of `dev` (whose private data holds `self`), which
    /// runs `run`; allocated on first use (a later call keeps the first `run`). Process
    /// context.
    pub(crate) fn kick_source(&self, dev: &Device<T>, run: fn(&Rcu, &Device<T>)) -> Result<Kick> {
        if let Some(inner) = NonNull::new(self.0.load(Ordering::Acquire)) {
            return Ok(Kick::of(inner));
        }
        let inner = KBox::new(
            Inner {
                work: Opaque::uninit(),
                dev: NonNull::new(dev.as_raw()).ok_or(EINVAL)?,
                run,
            },
            GFP_KERNEL,
        )?;
        let inner = KBox::into_raw(inner);
        // SAFETY: `inner` is a live allocation whose work item is initialised here, before it
        // is published; the work function matches the layout of `Inner<T>`.
        unsafe {
            bindings::tlsnic_init_work(
                Opaque::raw_get(ptr::addr_of!((*inner).work)),
                Some(run_work::<T>),
            )
        };
        match self
            .0
            .compare_exchange(ptr::null_mut(), inner, Ordering::AcqRel, Ordering::Acquire)
        {
            // INVARIANT: published initialised, for the device that owns `self`.
            Ok(_) => NonNull::new(inner).map(Kick::of).ok_or(EINVAL),
            Err(other) => {
                // SAFETY: ours, never published or queued.
                drop(unsafe { KBox::from_raw(inner) });
                NonNull::new(other).map(Kick::of).ok_or(EINVAL)
            }
        }
    }

    /// Schedules the work again (from the work itself), if allocated.
    pub(crate) fn kick(&self, rcu: &Rcu) {
        if let Some(inner) = NonNull::new(self.0.load(Ordering::Acquire)) {
            Kick::of(inner).kick(rcu);
        }
    }
}

impl<T: NetDeviceOps> Drop for DeviceWork<T> {
    fn drop(&mut self) {
        let Some(inner) = NonNull::new(*self.0.get_mut()) else {
            return;
        };
        // Kicks happen inside RCU read-side sections (see `Kick`): once a grace period has
        // passed, none is in progress and no new one can come (the flows holding `Kick`s are
        // gone when the private data is dropped). Then wait for a queued or running work.
        rcu::synchronize();
        // SAFETY: the work item is initialised (type invariant) and no longer kicked; after
        // `cancel_work_sync` it is neither queued nor running, so the allocation is ours alone.
        unsafe {
            bindings::cancel_work_sync(Opaque::raw_get(ptr::addr_of!((*inner.as_ptr()).work)));
            drop(KBox::from_raw(inner.as_ptr()));
        }
    }
}

/// The work function of a [`DeviceWork`] of driver `T`.
///
/// # Safety
///
/// `work` is the work item of a live `Inner<T>` (queued by [`Kick::kick`]).
unsafe extern "C" fn run_work<T: NetDeviceOps>(work: *mut bindings::work_struct) {
    // SAFETY: the work item is the first field of a `#[repr(C)]` `Inner<T>`, which
    // `DeviceWork::drop` frees only after cancelling the work; its device outlives it.
    let inner = unsafe { &*work.cast::<Inner<T>>() };
    let rcu = RcuBhGuard::lock();
    // SAFETY: the device owns the `DeviceWork`, so it is live while the work runs.
    let dev = unsafe { Device::<T>::from_raw(inner.dev.as_ptr()) };
    (inner.run)(&rcu, dev);
}

/// A handle that schedules a [`DeviceWork`], for completion callbacks.
///
/// # Invariants
///
/// The work item is freed only after an RCU grace period that follows the teardown of every
/// holder of a `Kick` (the device's flows, whose engines keep one for no longer than they live).
#[derive(Clone, Copy)]
pub(crate) struct Kick(NonNull<bindings::work_struct>);

// SAFETY: `queue_work` may be called from any context.
unsafe impl Send for Kick {}
// SAFETY: as above.
unsafe impl Sync for Kick {}

impl Kick {
    fn of<T: NetDeviceOps>(inner: NonNull<Inner<T>>) -> Self {
        // `work` is the first field of the `#[repr(C)]` `Inner`.
        Kick(inner.cast())
    }

    /// Schedules the work. Inside an RCU read-side section, which keeps the work allocated even
    /// if the flow that kicks it is torn down meanwhile (see the type invariant).
    pub(crate) fn kick(self, _rcu: &Rcu) {
        // SAFETY: per the type invariant and the read section, the work item is live.
        unsafe { bindings::tlsnic_queue_work(self.0.as_ptr()) };
    }
}
