// SPDX-License-Identifier: GPL-2.0

//! rtnetlink basics: the RTNL lock ([`Rtnl`]), network namespaces ([`Net`]) and extended acks
//! ([`ExtAck`]). Link kinds are in `link.rs`.
//!
//! C header: [`include/linux/rtnetlink.h`](srctree/include/linux/rtnetlink.h).

use crate::base::bindings;
use core::{marker::PhantomData, ops::Deref, ptr};
use kernel::{str::CStr, types::Opaque};

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
    /// The caller must hold the RTNL lock for as long as the token (and anything borrowed from
    /// it) lives.
    pub(in crate::base) unsafe fn assume_held() -> Self {
        Rtnl(PhantomData)
    }
}

/// The RTNL lock, held until this guard is dropped.
pub(crate) struct RtnlGuard(Rtnl);

impl Deref for RtnlGuard {
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

/// A network namespace (`struct net`).
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// The initial network namespace.
    pub(crate) fn init_ns() -> &'static Net {
        // SAFETY: `init_net` is a static object that lives as long as the kernel; `Net` is a
        // transparent wrapper around `struct net`.
        unsafe { &*ptr::addr_of_mut!(bindings::init_net).cast::<Net>() }
    }

    /// # Safety
    ///
    /// `ptr` must point to a `struct net` that stays alive for `'a`.
    pub(in crate::base) unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: the caller guarantees validity for `'a`; `Net` is transparent.
        unsafe { &*ptr.cast::<Net>() }
    }

    pub(in crate::base) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }

    /// The namespace's cookie (`net->net_cookie`), a 64-bit id that is never reused.
    pub(crate) fn cookie(&self) -> u64 {
        // SAFETY: the namespace is live; its cookie is written once, when it is created.
        unsafe { (*self.as_raw()).net_cookie }
    }
}

/// A netlink extended-ack, where a netlink request can be given an error message.
pub(crate) struct ExtAck(pub(in crate::base) *mut bindings::netlink_ext_ack);

impl ExtAck {
    /// Attaches `msg` to the failing request (like `NL_SET_ERR_MSG`).
    pub(crate) fn set_msg(&self, msg: &'static CStr) {
        if !self.0.is_null() {
            // SAFETY: a non-null extack passed to a link callback is valid for the callback's
            // duration; the message is a static string, as `NL_SET_ERR_MSG` requires.
            unsafe { (*self.0)._msg = msg.as_char_ptr() };
        }
    }
}
