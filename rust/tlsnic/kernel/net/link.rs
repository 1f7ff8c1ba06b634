// SPDX-License-Identifier: GPL-2.0

//! rtnetlink link kinds: the [`RtnlLinkOps`] trait (`struct rtnl_link_ops`), its table
//! ([`LinkOps`]) and [`Registration`], and the devices a link kind creates ([`NewDevice`],
//! [`NewLink`]) and deletes ([`UnregisterQueue`]).
//!
//! C header: [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h).

use crate::base::bindings;
use crate::base::net::device::{
    drop_priv_unregistered, init_device, Device, NetDeviceOps, SetupDevice,
};
use crate::base::net::rtnl::{ExtAck, Net, Rtnl};
use crate::base::sync::{Rcu, RcuGuard};
use core::{
    marker::PhantomData,
    mem::{self, ManuallyDrop},
    ptr::{self, NonNull},
};
use kernel::{
    error::{from_result, to_result},
    ffi::c_int,
    prelude::*,
    str::CStr,
    types::Opaque,
};

/// A link kind (`ip link add NAME type KIND`): the callbacks of `struct rtnl_link_ops`.
#[vtable]
pub(crate) trait RtnlLinkOps: NetDeviceOps {
    /// The link kind; also the driver name.
    const KIND: &'static CStr;

    /// Configures a newly allocated device (features, MTU range, the other callback tables...),
    /// after its private data was initialised.
    fn setup(dev: &mut SetupDevice<'_, Self>);

    /// `newlink`: `ip link add ... type KIND`. Must register `dev` (or fail without registering
    /// it).
    fn newlink(rtnl: &Rtnl, src_net: &Net, dev: NewLink<'_, Self>, extack: &ExtAck) -> Result;

    /// `dellink`: queue `dev` (and whatever goes with it) for unregistration.
    fn dellink(rtnl: &Rtnl, dev: &Device<Self>, queue: &mut UnregisterQueue);

    /// `get_link_net`: the namespace of the device this one is linked to.
    fn get_link_net<'a>(dev: &'a Device<Self>, rcu: &'a Rcu) -> &'a Net;
}

/// The `rtnl_link_ops` of driver `T`, to be placed in a `static`.
#[repr(transparent)]
pub(crate) struct LinkOps<T: RtnlLinkOps>(Opaque<bindings::rtnl_link_ops>, PhantomData<T>);

// SAFETY: the table is written only by `rtnl_link_register`/`rtnl_link_unregister`, which
// serialise on their own lock; everyone else only reads it.
unsafe impl<T: RtnlLinkOps> Sync for LinkOps<T> {}

impl<T: RtnlLinkOps> LinkOps<T> {
    /// Builds the table.
    pub(crate) const fn new() -> Self {
        // `netdev_priv` aligns the private area to `NETDEV_ALIGN`.
        assert!(mem::align_of::<T::Priv>() <= bindings::NETDEV_ALIGN as usize);
        Self(
            Opaque::new(bindings::rtnl_link_ops {
                kind: T::KIND.as_char_ptr(),
                priv_size: mem::size_of::<T::Priv>(),
                setup: Some(Self::setup),
                newlink: Some(Self::newlink),
                dellink: Some(Self::dellink),
                get_link_net: Some(Self::get_link_net),
                // SAFETY: all-zero is the valid "unset" value of every remaining field (an empty
                // list head is initialised by `rtnl_link_register`).
                ..unsafe { mem::zeroed() }
            }),
            PhantomData,
        )
    }

    /// `setup` (also run by `alloc_netdev`): the device's own setup, then the driver's.
    ///
    /// # Safety
    ///
    /// Called only by the core, once, on a newly allocated device of this link kind whose
    /// private area is uninitialised, before anything else uses the device.
    unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
        // SAFETY: per the function's contract; `init_device` initialises the private data and
        // the device stays private to this call.
        unsafe {
            init_device::<T>(dev);
            T::setup(&mut SetupDevice::new(dev));
        }
    }

    /// `newlink`: [`RtnlLinkOps::newlink`].
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core under RTNL, with a device it allocated with this link
    /// kind and did not register.
    unsafe extern "C" fn newlink(
        src_net: *mut bindings::net,
        dev: *mut bindings::net_device,
        _tb: *mut *mut bindings::nlattr,
        _data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `newlink` runs under RTNL with a live source namespace and a device the core
            // allocated with our link ops (so through `setup`).
            let (rtnl, net, dev) = unsafe {
                (
                    Rtnl::assume_held(),
                    Net::from_raw(src_net),
                    Device::<T>::from_raw(dev),
                )
            };
            T::newlink(&rtnl, net, NewLink(dev), &ExtAck(extack)).inspect_err(|_| {
                // SAFETY: on an error the core frees the device with `free_netdev`, which does
                // not call `priv_destructor`; the device is not registered (a driver's
                // `newlink` fails only before or by its registration), RTNL is held.
                unsafe { drop_priv_unregistered::<T>(dev.as_raw()) }
            })?;
            Ok(0)
        })
    }

    /// `dellink`: [`RtnlLinkOps::dellink`].
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core under RTNL, for a registered device of this kind.
    unsafe extern "C" fn dellink(dev: *mut bindings::net_device, head: *mut bindings::list_head) {
        // SAFETY: `dellink` runs under RTNL on one of our registered devices.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
        T::dellink(&rtnl, dev, &mut UnregisterQueue(head));
    }

    /// `get_link_net`: [`RtnlLinkOps::get_link_net`].
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core, under RTNL or RCU, for a registered device of this
    /// kind.
    unsafe extern "C" fn get_link_net(dev: *const bindings::net_device) -> *mut bindings::net {
        // SAFETY: called on one of our registered devices.
        let dev = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
        let rcu = RcuGuard::lock();
        // A namespace outlives the devices in it, and the core holds RTNL or RCU around this
        // call, so the pointer stays valid for the caller after our own section ends.
        T::get_link_net(dev, &rcu).as_raw()
    }
}

/// A registered link kind. Dropping it deletes every device of the kind, in every namespace.
pub(crate) struct Registration<T: RtnlLinkOps> {
    ops: &'static LinkOps<T>,
}

impl<T: RtnlLinkOps> Registration<T> {
    /// Registers `ops` with rtnetlink, enabling `ip link add ... type KIND`.
    pub(crate) fn register(ops: &'static LinkOps<T>) -> Result<Self> {
        // SAFETY: `ops` is a static table; it stays registered until `drop`.
        to_result(unsafe { bindings::rtnl_link_register(ops.0.get()) })?;
        Ok(Self { ops })
    }
}

impl<T: RtnlLinkOps> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. `rtnl_link_unregister` takes RTNL itself and calls
        // `dellink` for every device of this kind in every namespace before returning.
        unsafe { bindings::rtnl_link_unregister(self.ops.0.get()) }
    }
}

/// A device allocated with a link kind's ops but not registered yet. Freed on drop.
pub(crate) struct NewDevice<T: RtnlLinkOps>(NonNull<bindings::net_device>, PhantomData<T>);

impl<T: RtnlLinkOps> NewDevice<T> {
    /// Allocates a device of link kind `T` in `net` (`rtnl_create_link` with no attributes).
    /// `name` is NUL-terminated and may be a template such as `tlsnic%d` (`template`).
    pub(crate) fn create(
        _rtnl: &Rtnl,
        ops: &'static LinkOps<T>,
        net: &Net,
        name: &CStr,
        template: bool,
    ) -> Result<Self> {
        let assign = if template {
            bindings::NET_NAME_ENUM
        } else {
            bindings::NET_NAME_USER
        };
        // `rtnl_create_link` reads optional attributes from a `tb[IFLA_MAX + 1]` array.
        let mut tb = [ptr::null_mut::<bindings::nlattr>(); bindings::TLSNIC_IFLA_MAX as usize + 1];
        // SAFETY: RTNL is held; `name` is NUL-terminated; `ops` is registered for as long as
        // devices of kind `T` exist (`Registration` unregisters them before the ops go away);
        // `tb` has `IFLA_MAX + 1` entries; a null extack is allowed.
        let dev = unsafe {
            bindings::rtnl_create_link(
                net.as_raw(),
                name.as_char_ptr(),
                assign as u8,
                ops.0.get(),
                tb.as_mut_ptr(),
                ptr::null_mut(),
            )
        };
        let dev = kernel::error::from_err_ptr(dev)?;
        Ok(Self(NonNull::new(dev).ok_or(ENOMEM)?, PhantomData))
    }

    /// Registers the device. It then lives until it is unregistered, which needs RTNL, so it is
    /// borrowed for as long as `rtnl` is held.
    pub(crate) fn register(self, _rtnl: &Rtnl) -> Result<&Device<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: RTNL is held; the device is allocated and not registered.
        let ret = unsafe { bindings::register_netdevice(this.0.as_ptr()) };
        if ret != 0 {
            // A device whose registration failed is still ours to free (`free_netdev` defers
            // the free if the core is still unwinding it); `Drop` drops the private data unless
            // the core's unwinding did or will.
            drop(ManuallyDrop::into_inner(this));
            return Err(Error::from_errno(ret));
        }
        // SAFETY: the device is registered; it is freed only after an unregistration under RTNL
        // completes, which cannot happen while the caller holds `rtnl`.
        Ok(unsafe { Device::from_raw(this.0.as_ptr()) })
    }
}

impl<T: RtnlLinkOps> Drop for NewDevice<T> {
    fn drop(&mut self) {
        let dev = self.0.as_ptr();
        // SAFETY: the device is not registered (never, or its registration failed), RTNL is held
        // (a `NewDevice` exists only under it) and nothing else owns the device.
        unsafe {
            drop_priv_unregistered::<T>(dev);
            bindings::free_netdev(dev);
        }
    }
}

/// The device handed to [`RtnlLinkOps::newlink`], allocated by the rtnetlink core.
pub(crate) struct NewLink<'a, T: RtnlLinkOps>(&'a Device<T>);

impl<'a, T: RtnlLinkOps> NewLink<'a, T> {
    /// The device's name (NUL-padded), as the request gave it or as a template.
    pub(crate) fn name(&self, rtnl: &Rtnl) -> [u8; 16] {
        self.0.name(rtnl)
    }

    /// Registers the device. On failure (and on any error `newlink` returns) the core frees it,
    /// and the private data is dropped (see [`NetDeviceOps::Priv`]).
    pub(crate) fn register(self, _rtnl: &'a Rtnl) -> Result<&'a Device<T>> {
        // SAFETY: `newlink` runs under RTNL with an allocated, unregistered device.
        to_result(unsafe { bindings::register_netdevice(self.0.as_raw()) })?;
        Ok(self.0)
    }
}

/// The list of devices a `dellink` batch unregisters.
pub(crate) struct UnregisterQueue(*mut bindings::list_head);

impl UnregisterQueue {
    /// Queues `dev` for unregistration with the rest of the batch.
    pub(crate) fn add<T: NetDeviceOps>(&mut self, _rtnl: &Rtnl, dev: &Device<T>) {
        // SAFETY: RTNL is held; the list head comes from the core's `dellink` call (or is null,
        // which unregisters at once).
        unsafe { bindings::unregister_netdevice_queue(dev.as_raw(), self.0) }
    }
}
