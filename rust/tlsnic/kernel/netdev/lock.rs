// SPDX-License-Identifier: GPL-2.0

//! Proof that the RTNL lock ([`Rtnl`]) or an RCU read-side section ([`Rcu`]) is held.

use super::*;

/// Proof that the RTNL lock is held by the current thread.
///
/// Handed to the driver by the callbacks the kernel calls under RTNL, or obtained with
/// [`Rtnl::lock`].
pub(crate) struct Rtnl(PhantomData<*mut ()>);

impl Rtnl {
    /// Takes the RTNL lock; it is released when the guard is dropped.
    pub(crate) fn lock() -> RtnlGuard {
        // SAFETY: `rtnl_lock` may be called from any sleepable context; the guard unlocks.
        unsafe { bindings::rtnl_lock() };
        RtnlGuard(Rtnl(PhantomData))
    }

    /// Creates the token for code that runs under RTNL.
    ///
    /// # Safety
    ///
    /// The caller must hold the RTNL lock for as long as the token (and anything borrowed from it)
    /// lives.
    pub(super) unsafe fn assume_held() -> Self {
        // SAFETY: `rtnl_is_locked` only reads the mutex state.
        debug_assert!(unsafe { bindings::tlsnic_rtnl_is_locked() });
        Rtnl(PhantomData)
    }
}

/// The RTNL lock, held until this guard is dropped.
pub(crate) struct RtnlGuard(Rtnl);

impl core::ops::Deref for RtnlGuard {
    type Target = Rtnl;

    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: the guard was created by `Rtnl::lock`, so this thread holds RTNL. Unlocking also
        // runs the deferred frees of unregistered devices (`netdev_run_todo`).
        unsafe { bindings::rtnl_unlock() };
    }
}

/// Proof that the current thread is in an RCU read-side critical section.
///
/// Handed to the driver by callbacks the kernel calls inside one (`ndo_start_xmit`), or obtained
/// with [`RcuGuard::lock`].
pub(crate) struct Rcu(PhantomData<*mut ()>);

impl Rcu {
    /// Creates the token for code that runs inside an RCU read-side critical section.
    ///
    /// # Safety
    ///
    /// The caller must be inside such a section (`rcu_read_lock`, `rcu_read_lock_bh`, or with
    /// preemption or interrupts disabled) for as long as the token (and anything borrowed from
    /// it) lives.
    pub(super) unsafe fn assume_held() -> Self {
        Rcu(PhantomData)
    }
}

/// An RCU read-side critical section, ended when the guard is dropped.
pub(crate) struct RcuGuard(Rcu);

impl RcuGuard {
    /// Enters an RCU read-side critical section.
    pub(crate) fn lock() -> Self {
        // SAFETY: `rcu_read_lock` may be called in any context; `Drop` ends the section.
        unsafe { bindings::tlsnic_rcu_read_lock() };
        RcuGuard(Rcu(PhantomData))
    }
}

impl core::ops::Deref for RcuGuard {
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
