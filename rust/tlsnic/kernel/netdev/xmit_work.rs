// SPDX-License-Identifier: GPL-2.0

//! A device's deferred transmit work ([`XmitWork`]) and the handle that kicks it ([`Kick`]).

use super::*;

/// A device's deferred transmit work: packets that wait for an asynchronous crypto engine are
/// sent from it (`Driver::deferred_xmit`) once a completion kicks it. Allocated on first use
/// (process context), cancelled and freed with the device's private data.
pub(crate) struct XmitWork(AtomicPtr<bindings::tlsnic_txq>);

impl XmitWork {
    /// Not allocated yet.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// The work of `dev` (whose private data holds `self`), allocated on first use. Process
    /// context.
    pub(crate) fn get_or_alloc<T: Driver>(&self, dev: &Device<T>) -> Result<Kick> {
        if let Some(q) = NonNull::new(self.0.load(Ordering::Acquire)) {
            return Ok(Kick(q));
        }
        // SAFETY: `dev` is live; the work runs `deferred_run::<T>` on it until freed in `drop`.
        let q =
            unsafe { bindings::tlsnic_txq_alloc(dev.as_raw(), Some(Adapter::<T>::deferred_run)) };
        let q = NonNull::new(q).ok_or(ENOMEM)?;
        match self.0.compare_exchange(
            ptr::null_mut(),
            q.as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(Kick(q)),
            Err(other) => {
                // SAFETY: ours, never published or kicked.
                unsafe { bindings::tlsnic_txq_free(q.as_ptr()) };
                NonNull::new(other).map(Kick).ok_or(ENOMEM)
            }
        }
    }

    /// Schedules the work again (from the work itself), if allocated.
    pub(crate) fn kick(&self, rcu: &Rcu) {
        if let Some(q) = NonNull::new(self.0.load(Ordering::Acquire)) {
            Kick(q).kick(rcu);
        }
    }
}

impl Drop for XmitWork {
    fn drop(&mut self) {
        if let Some(q) = NonNull::new(*self.0.get_mut()) {
            // SAFETY: allocated in `get_or_alloc`; the device is being freed, so its flows (and
            // their engines, which hold `Kick`s) are gone; the shim waits for an RCU grace period
            // (kicks run in read sections) and cancels the work before freeing it.
            unsafe { bindings::tlsnic_txq_free(q.as_ptr()) };
        }
    }
}

/// A handle that schedules a device's [`XmitWork`] work, for completion callbacks.
///
/// # Invariants
///
/// The work is freed only after an RCU grace period that follows the teardown of every flow of
/// its device; a flow's engine holds its `Kick` no longer than the flow lives.
#[derive(Clone, Copy)]
pub(crate) struct Kick(NonNull<bindings::tlsnic_txq>);

// SAFETY: `queue_work` may be called from any context.
unsafe impl Send for Kick {}
// SAFETY: as above.
unsafe impl Sync for Kick {}

impl Kick {
    /// Schedules the work. Inside an RCU read-side section, which keeps the work allocated
    /// even if the flow that kicks it is torn down meanwhile (see the type invariant).
    pub(crate) fn kick(self, _rcu: &Rcu) {
        // SAFETY: per the type invariant and the read section, the work is live.
        unsafe { bindings::tlsnic_txq_kick(self.0.as_ptr()) }
    }
}
