// SPDX-License-Identifier: GPL-2.0

//! RCU: proof of a read-side critical section ([`Rcu`]), sections the driver enters
//! ([`RcuGuard`], [`RcuBhGuard`]) and waiting for a grace period ([`synchronize`]).
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h).

use crate::base::bindings;
use core::{marker::PhantomData, ops::Deref};

/// Proof that the current thread is in an RCU read-side critical section.
///
/// Handed to the driver by callbacks the kernel calls inside one (`ndo_start_xmit`), or obtained
/// from a guard.
pub(crate) struct Rcu(PhantomData<*mut ()>);

impl Rcu {
    /// Creates the token for code that runs inside an RCU read-side critical section.
    ///
    /// # Safety
    ///
    /// The caller must be inside such a section (`rcu_read_lock`, `rcu_read_lock_bh`, or with
    /// preemption or interrupts disabled) for as long as the token (and anything borrowed from
    /// it) lives.
    pub(crate) unsafe fn assume_held() -> Self {
        Rcu(PhantomData)
    }
}

/// An RCU read-side critical section (`rcu_read_lock`), ended when the guard is dropped.
pub(crate) struct RcuGuard(Rcu);

impl RcuGuard {
    /// Enters an RCU read-side critical section.
    pub(crate) fn lock() -> Self {
        // SAFETY: `rcu_read_lock` may be called in any context; `Drop` ends the section.
        unsafe { bindings::tlsnic_rcu_read_lock() };
        RcuGuard(Rcu(PhantomData))
    }
}

impl Deref for RcuGuard {
    type Target = Rcu;

    fn deref(&self) -> &Rcu {
        &self.0
    }
}

impl Drop for RcuGuard {
    fn drop(&mut self) {
        // SAFETY: this guard entered the section in `lock`.
        unsafe { bindings::tlsnic_rcu_read_unlock() };
    }
}

/// An RCU-bh read-side critical section (`rcu_read_lock_bh`: bottom halves disabled, as in the
/// transmit path), ended when the guard is dropped.
pub(crate) struct RcuBhGuard(Rcu);

impl RcuBhGuard {
    /// Enters the section. Process or softirq context.
    pub(crate) fn lock() -> Self {
        // SAFETY: `rcu_read_lock_bh` may be called outside hard interrupts; `Drop` ends it.
        unsafe { bindings::tlsnic_rcu_read_lock_bh() };
        RcuBhGuard(Rcu(PhantomData))
    }
}

impl Deref for RcuBhGuard {
    type Target = Rcu;

    fn deref(&self) -> &Rcu {
        &self.0
    }
}

impl Drop for RcuBhGuard {
    fn drop(&mut self) {
        // SAFETY: this guard entered the section in `lock`.
        unsafe { bindings::tlsnic_rcu_read_unlock_bh() };
    }
}

/// Waits for an RCU grace period: every read-side section that began before the call has ended.
/// Sleeps; process context only, outside any read-side section (hence no token).
pub(crate) fn synchronize() {
    // SAFETY: `synchronize_rcu` has no memory-safety precondition. Calling it where sleeping is
    // not allowed is a bug the kernel reports (`might_sleep`, lockdep), as for `Mutex::lock`.
    unsafe { bindings::synchronize_rcu() }
}
