// SPDX-License-Identifier: GPL-2.0

//! A net device's NAPI instance ([`DeviceNapi`]) and the interrupt that schedules it on a chosen
//! CPU.
//!
//! A NIC's receive interrupt schedules its NAPI instance on the CPU the interrupt is steered
//! to; the instance's poll then runs in that CPU's `NET_RX` softirq. A virtual device has no
//! interrupt line: [`DeviceNapi::schedule_on`] claims the instance (`napi_schedule_prep`) and
//! schedules it on the CPU asked for: here when that is the calling CPU, else by an asynchronous
//! cross-CPU call (`smp_call_function_single_async`, an IPI) whose handler schedules it there,
//! as the core's RPS does for its backlog. The claim is the interrupt's mask: while the instance
//! is scheduled, a new claim fails and marks the schedule missed, so the poll runs once more
//! and takes the frame. Only a claim's winner sends the call, and the claim lasts until a poll
//! that runs after the handler has scheduled the instance, while the kernel releases the call
//! before it runs the handler: the call is never sent while it is queued. (Two handlers may
//! still overlap, the first finishing after the next call was sent: they touch only atomics.)
//!
//! The instance is allocated and added to its device on first use (`ndo_open`, under RTNL), in
//! a reference-counted allocation that a cross-CPU call in flight also holds, since a call
//! cannot be cancelled; dropping the `DeviceNapi` also waits until no call is in flight, since
//! the handler is the module's code. The poll runs only while the instance is enabled, between
//! [`DeviceNapi::enable`] and [`DeviceNapi::disable`], which waits for a claim in flight to end
//! and for a poll in progress; dropping the `DeviceNapi` (with the device's private data)
//! disables it if needed and removes it from the device.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use crate::base::bindings;
use crate::base::cpu;
use crate::base::net::device::{Device, NetDeviceOps};
use crate::base::net::rtnl::Rtnl;
use crate::base::sync::{rcu, Rcu, RcuGuard};
use core::{
    ffi::{c_int, c_void},
    marker::PhantomData,
    mem,
    ops::Deref,
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering},
};
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::Opaque,
};

/// What the poll of a [`DeviceNapi`] of driver `T` runs: processes at most `budget` frames of
/// `dev` and returns how many it processed. Bottom halves disabled: the receive softirq, or the
/// instance's kernel thread with threaded NAPI (`/sys/class/net/DEV/threaded`).
pub(crate) type PollFn<T> = fn(&NapiPoll, &Device<T>, usize) -> usize;

/// The context of a NAPI poll (see [`PollFn`]), inside an RCU read-side section (it
/// dereferences to the [`Rcu`] token). Only a poll makes one.
pub(crate) struct NapiPoll {
    rcu: RcuGuard,
    _not_send: PhantomData<*mut ()>,
}

impl Deref for NapiPoll {
    type Target = Rcu;

    fn deref(&self) -> &Rcu {
        &self.rcu
    }
}

/// The shared allocation behind a [`DeviceNapi`]: the NAPI instance first, so that the poll
/// finds the rest from it.
///
/// # Invariants
///
/// `napi` was added to `dev` and `csd` initialised with [`ipi::<T>`] and this allocation's
/// address before the allocation was published; `dev` is live while the owner is not dropped.
/// `csd` is queued only by the winner of a claim of `napi` (`napi_schedule_prep`).
#[repr(C)]
#[pin_data]
struct Inner<T: NetDeviceOps> {
    #[pin]
    napi: Opaque<bindings::napi_struct>,
    #[pin]
    csd: Opaque<bindings::__call_single_data>,
    dev: NonNull<bindings::net_device>,
    poll: PollFn<T>,
    /// The instance is enabled (`napi_enable` was called and `napi_disable` not since).
    enabled: AtomicBool,
    /// The `DeviceNapi` is gone: nothing claims the instance any more.
    dead: AtomicBool,
    /// Cross-CPU calls sent and whose handler has not finished: the owner's drop waits for
    /// them, since the handler is the module's code.
    calls: AtomicU32,
}

// SAFETY: the NAPI instance and the call may be used from any CPU as the kernel's rules for them
// say (enforced by `DeviceNapi`); the rest is immutable or atomic.
unsafe impl<T: NetDeviceOps> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: NetDeviceOps> Sync for Inner<T> {}

impl<T: NetDeviceOps> Inner<T> {
    /// Disables the instance if enabled, waiting for a claim in flight to end and for a poll in
    /// progress.
    fn disable(&self) {
        if self.enabled.swap(false, Ordering::AcqRel) {
            // SAFETY: the instance was added (type invariant) and enabled; process context.
            unsafe { bindings::napi_disable(self.napi.get()) };
        }
    }
}

/// A NAPI instance of a device of driver `T`, polled by a driver function. See the module
/// documentation.
///
/// # Invariants
///
/// `inner` is null or comes from `Arc::into_raw`: this value owns that reference.
pub(crate) struct DeviceNapi<T: NetDeviceOps> {
    inner: AtomicPtr<Inner<T>>,
}

impl<T: NetDeviceOps> DeviceNapi<T> {
    /// Not allocated yet.
    pub(crate) const fn new() -> Self {
        Self {
            inner: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The allocation, if any, borrowed from this value.
    fn get(&self) -> Option<&Inner<T>> {
        let p = self.inner.load(Ordering::Acquire);
        // SAFETY: a non-null pointer is a reference this value owns (type invariant), released
        // only in `drop`.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// Allocates the instance and adds it to `dev`, polled by `poll`, unless done before (a
    /// later call keeps the first `poll`). `self` must be part of `dev`'s private data (`EINVAL`
    /// otherwise). Process context, under RTNL.
    pub(crate) fn add(&self, _rtnl: &Rtnl, dev: &Device<T>, poll: PollFn<T>) -> Result {
        if let Some(inner) = self.get() {
            return if inner.dev.as_ptr() == dev.as_raw() {
                Ok(())
            } else {
                Err(EINVAL)
            };
        }
        // The instance is polled until `self` is dropped: only the device's own private data may
        // hold it.
        dev.check_own(self)?;
        let dev_ptr = NonNull::new(dev.as_raw()).ok_or(EINVAL)?;
        let new: Arc<Inner<T>> = Arc::pin_init(
            pin_init!(Inner {
                // Both are zeroed here (the kernel's set-up expects a zeroed instance) and set
                // up below, once the allocation has its address.
                // SAFETY: `slot` is valid for writes of one `napi_struct`.
                napi <- Opaque::ffi_init(|slot| unsafe { ptr::write_bytes(slot, 0, 1) }),
                // SAFETY: `slot` is valid for writes of one call.
                csd <- Opaque::ffi_init(|slot| unsafe { ptr::write_bytes(slot, 0, 1) }),
                dev: dev_ptr,
                poll,
                enabled: AtomicBool::new(false),
                dead: AtomicBool::new(false),
                calls: AtomicU32::new(0),
            }),
            GFP_KERNEL,
        )?;
        let raw = Arc::into_raw(new).cast_mut();
        // The call gets its handler and this allocation as argument; the zeroed instance is
        // added (disabled) to the live device `dev`, in process context under RTNL.
        // SAFETY: `raw` is live (the reference just taken) and not shared yet.
        unsafe {
            bindings::tlsnic_init_csd((*raw).csd.get(), Some(ipi::<T>), raw.cast());
            bindings::tlsnic_netif_napi_add(dev.as_raw(), (*raw).napi.get(), Some(poll_napi::<T>));
        }
        // INVARIANT: published once, owning the reference, after the set-up above; RTNL
        // serialises `add`, so nothing was published meanwhile.
        self.inner.store(raw, Ordering::Release);
        Ok(())
    }

    /// Enables the instance (`ndo_open`): from now on it can be scheduled and polled. Does
    /// nothing if it is not added or already enabled.
    pub(crate) fn enable(&self, _rtnl: &Rtnl) {
        if let Some(inner) = self.get() {
            if !inner.enabled.swap(true, Ordering::AcqRel) {
                // SAFETY: the instance was added (type invariant) and is disabled (`enabled`
                // was false; RTNL serialises enable and disable).
                unsafe { bindings::napi_enable(inner.napi.get()) };
            }
        }
    }

    /// Disables the instance (`ndo_stop`), waiting for a claim in flight to end and for a poll
    /// in progress; claiming it fails until it is enabled again. Process context.
    pub(crate) fn disable(&self, _rtnl: &Rtnl) {
        if let Some(inner) = self.get() {
            inner.disable();
        }
    }

    /// Raises the interrupt on CPU `cpu` for a frame the caller has queued: claims the instance
    /// (nothing more if it is scheduled already: the claim marks the schedule missed and the
    /// poll runs once more; or if it is disabled or not added) and schedules it here if `cpu` is
    /// this CPU or not online, else by a cross-CPU call to `cpu`. Returns whether a call was
    /// sent to another CPU. Any context; where the caller can migrate, the CPU may change
    /// between the choice and the call, which only moves where the poll runs.
    pub(crate) fn schedule_on(&self, _rcu: &Rcu, cpu: u32) -> bool {
        let Some(inner) = self.get() else {
            return false;
        };
        if inner.dead.load(Ordering::Acquire) || !inner.enabled.load(Ordering::Acquire) {
            return false;
        }
        // SAFETY: the instance was added (type invariant); claiming may be done from any
        // context. The claim is an atomic update of its state, ordered after the caller queued
        // its frame, as the poll's completion is ordered before it looks at the frames again.
        if !unsafe { bindings::napi_schedule_prep(inner.napi.get()) } {
            return false;
        }
        let target = c_int::try_from(cpu).ok();
        let remote = target.filter(|_| cpu != cpu::current() && cpu::online(cpu));
        let Some(target) = remote else {
            // SAFETY: this caller won the claim, which `__napi_schedule` completes.
            unsafe { bindings::__napi_schedule(inner.napi.get()) };
            return false;
        };
        // The call's reference, which the handler gives back.
        // SAFETY: `inner` is the allocation of an `Arc` this value owns a reference to (type
        // invariant); taking another one is what `ArcBorrow::into` does.
        let call: Arc<Inner<T>> = unsafe { ArcBorrow::from_raw(ptr::from_ref(inner)) }.into();
        let call = Arc::into_raw(call);
        inner.calls.fetch_add(1, Ordering::AcqRel);
        // Only a claim's winner queues the call: the previous claim ended after the previous
        // handler scheduled the instance, and the kernel released the call before that handler.
        // SAFETY: the call was initialised (invariant of `Inner`) and is not queued (above).
        let ret = unsafe { bindings::smp_call_function_single_async(target, inner.csd.get()) };
        if ret != 0 {
            inner.calls.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: the reference taken above, which the refused call does not hold.
            drop(unsafe { Arc::from_raw(call) });
            if ret != EBUSY.to_errno() {
                // The CPU went offline meanwhile: complete the claim here.
                // SAFETY: this caller won the claim.
                unsafe { bindings::__napi_schedule(inner.napi.get()) };
            }
            // Busy cannot happen (the claim rules it out); if it did, the queued call's
            // handler would complete the claim, and scheduling here as well would put the
            // instance on two poll lists.
            return false;
        }
        true
    }
}

impl<T: NetDeviceOps> Drop for DeviceNapi<T> {
    fn drop(&mut self) {
        let raw = mem::replace(self.inner.get_mut(), ptr::null_mut());
        if raw.is_null() {
            return;
        }
        // SAFETY: the reference this value owned (type invariant), given up here.
        let inner = unsafe { Arc::from_raw(raw) };
        inner.dead.store(true, Ordering::Release);
        // Claims happen inside RCU read-side sections: after a grace period none that saw
        // `dead` false is still running, and no call is sent any more.
        rcu::synchronize();
        // A call still in flight holds its own reference, but its handler is this module's
        // code: wait until it has run (microseconds), then for a grace period, which ends only
        // after the handler, run with interrupts off, has returned.
        while inner.calls.load(Ordering::Acquire) != 0 {
            // SAFETY: `msleep` may be called from process context (the owner's drop).
            unsafe { bindings::msleep(1) };
        }
        rcu::synchronize();
        inner.disable();
        // SAFETY: the instance was added to the device, which is still live (the private data
        // is dropped before the device is freed), and is disabled: `netif_napi_del` removes it
        // and waits for readers of the device's list. Process context.
        unsafe { bindings::tlsnic_netif_napi_del(inner.napi.get()) };
    }
}

/// The handler of the cross-CPU call of a [`DeviceNapi`] of driver `T`: completes the sender's
/// claim by scheduling the instance on this CPU, and gives back the call's reference. Hard
/// interrupt context.
///
/// # Safety
///
/// `info` is the address of an `Inner<T>` allocation, with a reference taken for this call by
/// the winner of a claim of its instance.
unsafe extern "C" fn ipi<T: NetDeviceOps>(info: *mut c_void) {
    // SAFETY: the reference `schedule_on` took for this call (function safety requirement).
    let inner = unsafe { Arc::from_raw(info.cast_const().cast::<Inner<T>>()) };
    // Always, even when the owner is going: `napi_disable` waits for this claim to end.
    // SAFETY: the sender won the claim (function safety requirement); interrupts are off in a
    // call's handler, as `__napi_schedule_irqoff` requires.
    unsafe { bindings::__napi_schedule_irqoff(inner.napi.get()) };
    inner.calls.fetch_sub(1, Ordering::AcqRel);
}

/// The poll function of a [`DeviceNapi`] of driver `T`: runs the driver's poll with at most
/// `budget` frames and completes the instance when it did less. Bottom halves disabled.
///
/// # Safety
///
/// `napi` is the instance of a live `Inner<T>` that is enabled (the kernel polls only enabled
/// instances, and the owner disables it, waiting for the poll, before the device goes).
unsafe extern "C" fn poll_napi<T: NetDeviceOps>(
    napi: *mut bindings::napi_struct,
    budget: c_int,
) -> c_int {
    // SAFETY: the instance is the first field of a `#[repr(C)]` `Inner<T>`, live while it is
    // enabled (function safety requirement).
    let inner = unsafe { &*napi.cast::<Inner<T>>() };
    let ctx = NapiPoll {
        rcu: RcuGuard::lock(),
        _not_send: PhantomData,
    };
    // SAFETY: the instance is enabled, so its owner is not dropped and the device is live
    // (invariant of `Inner`).
    let dev = unsafe { Device::<T>::from_raw(inner.dev.as_ptr()) };
    let budget_frames = usize::try_from(budget).unwrap_or(0);
    let done = (inner.poll)(&ctx, dev, budget_frames).min(budget_frames);
    drop(ctx);
    let done = c_int::try_from(done).unwrap_or(budget);
    if done < budget {
        // SAFETY: called from the instance's own poll, which processed less than its budget. A
        // claim made since the poll looked marked the schedule missed, and completing then
        // schedules the poll again.
        unsafe { bindings::napi_complete_done(napi, done) };
    }
    done
}
