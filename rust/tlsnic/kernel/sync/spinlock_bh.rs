// SPDX-License-Identifier: GPL-2.0

//! A spinlock that also disables bottom halves (`spin_lock_bh`), for state shared between
//! process context (socket calls: `tls_dev_add`, `tls_dev_del`, `tls_dev_resync`) and the
//! transmit/receive path, which runs in softirq context. The 6.12 kernel crate only has the plain
//! `spin_lock` backend, which would deadlock if a softirq on the same CPU took the lock.
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h).

use crate::base::bindings;
use kernel::sync::lock::{Backend, Lock};

/// A [`Lock`] taken with `spin_lock_bh`.
pub(crate) type SpinLockBh<T> = Lock<T, SpinLockBhBackend>;

/// Creates a [`SpinLockBh`] initialiser with a lock class of its own (like `new_spinlock!`).
macro_rules! new_spinlock_bh {
    ($inner:expr, $name:literal) => {
        kernel::sync::lock::Lock::<_, $crate::base::sync::spinlock_bh::SpinLockBhBackend>::new(
            $inner,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_spinlock_bh;

/// The `spin_lock_bh` backend.
pub(crate) struct SpinLockBhBackend;

// SAFETY: `spinlock_t` provides mutual exclusion; `lock` and `unlock` pair `spin_lock_bh` with
// `spin_unlock_bh` on the same lock, and `relock` (the default) calls `lock` again.
unsafe impl Backend for SpinLockBhBackend {
    type State = kernel::bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const kernel::ffi::c_char,
        key: *mut kernel::bindings::lock_class_key,
    ) {
        // SAFETY: the caller guarantees `ptr` is valid for writes and `name`/`key` live forever.
        unsafe { kernel::bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller guarantees the lock was initialised; both bindings name the same C
        // type.
        unsafe { bindings::tlsnic_spin_lock_bh(ptr.cast()) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: the caller owns the lock, taken with `spin_lock_bh` in `lock`.
        unsafe { bindings::tlsnic_spin_unlock_bh(ptr.cast()) }
    }
}
