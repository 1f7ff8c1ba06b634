// SPDX-License-Identifier: GPL-2.0

//! Synchronisation the 6.12 kernel crate lacks: RCU read-side tokens and guards ([`rcu`]) and
//! spinlocks that disable bottom halves ([`spinlock_bh`]). The RTNL lock is in `net::rtnl`.

pub(crate) mod rcu;
pub(crate) mod spinlock_bh;

pub(crate) use rcu::{Rcu, RcuBhGuard, RcuGuard};
pub(crate) use spinlock_bh::{new_spinlock_bh, SpinLockBh};
