// SPDX-License-Identifier: GPL-2.0

//! rtnetlink: network namespaces, extended acks, the link kind ([`LinkOps`]) and its
//! registration.

use super::*;

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
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: the caller guarantees validity for `'a`; `Net` is transparent.
        unsafe { &*ptr.cast::<Net>() }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }
}

/// A netlink extended-ack, where a netlink request can be given an error message.
pub(crate) struct ExtAck(pub(super) *mut bindings::netlink_ext_ack);

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

/// The `rtnl_link_ops` of driver `T`, to be placed in a `static`.
#[repr(transparent)]
pub(crate) struct LinkOps<T: Driver>(pub(super) Opaque<bindings::rtnl_link_ops>, PhantomData<T>);

// SAFETY: the table is written only by `rtnl_link_register`/`rtnl_link_unregister`, which
// serialise on their own lock; everyone else only reads it.
unsafe impl<T: Driver> Sync for LinkOps<T> {}

impl<T: Driver> LinkOps<T> {
    /// Builds the table.
    pub(crate) const fn new() -> Self {
        // `netdev_priv` aligns the private area to `NETDEV_ALIGN`.
        assert!(mem::align_of::<T::Priv>() <= bindings::NETDEV_ALIGN as usize);
        Self(
            Opaque::new(bindings::rtnl_link_ops {
                kind: T::KIND.as_char_ptr(),
                priv_size: mem::size_of::<T::Priv>(),
                setup: Some(Adapter::<T>::setup),
                newlink: Some(Adapter::<T>::newlink),
                dellink: Some(Adapter::<T>::dellink),
                get_link_net: Some(Adapter::<T>::get_link_net),
                // SAFETY: all-zero is the valid "unset" value of every remaining field (an empty
                // list head is initialised by `rtnl_link_register`).
                ..unsafe { mem::zeroed() }
            }),
            PhantomData,
        )
    }
}

/// A registered link kind. Dropping it deletes every device of the kind, in every namespace.
pub(crate) struct Registration<T: Driver> {
    ops: &'static LinkOps<T>,
}

impl<T: Driver> Registration<T> {
    /// Registers `ops` with rtnetlink, enabling `ip link add ... type KIND`.
    pub(crate) fn register(ops: &'static LinkOps<T>) -> Result<Self> {
        // The devices' sysfs attributes forward to `T`; set before any device can exist.
        // SAFETY: the table is a constant with static lifetime.
        unsafe { bindings::tlsnic_sysfs_set_ops(&Adapter::<T>::SYSFS_OPS) };
        // SAFETY: `ops` is a static table; it stays registered until `drop`.
        to_result(unsafe { bindings::rtnl_link_register(ops.0.get()) })?;
        Ok(Self { ops })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. `rtnl_link_unregister` takes RTNL itself and calls
        // `dellink` for every device of this kind in every namespace before returning.
        unsafe { bindings::rtnl_link_unregister(self.ops.0.get()) }
        // No device of the kind (nor its attributes) is left.
        // SAFETY: a null table makes the attribute callbacks fail with `ENODEV`.
        unsafe { bindings::tlsnic_sysfs_set_ops(ptr::null()) }
    }
}
