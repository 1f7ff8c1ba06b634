// SPDX-License-Identifier: GPL-2.0

//! A net device's own sysfs attribute group (`/sys/class/net/DEV/GROUP/ATTR`): the
//! [`AttributeGroup`] trait, generic over a table of attribute names.
//!
//! The group's tables (`struct attribute_group`, its `struct device_attribute`s) are constants
//! built per driver at compile time; the group is given to each device before it is registered
//! (`dev->sysfs_groups`), so the driver core creates and removes the files with the device.
//!
//! C header: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h).

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps, SetupDevice};
use core::{marker::PhantomData, mem, ptr};
use kernel::{
    ffi::{c_char, c_int},
    prelude::*,
    str::{CStr, CString},
};

/// Most attributes a group may have.
pub(crate) const MAX_ATTRS: usize = 8;

/// A driver's attribute group: read-write attributes (mode 0644) whose writes need
/// `CAP_NET_ADMIN` in the device's network namespace (`EPERM` otherwise).
pub(crate) trait AttributeGroup: NetDeviceOps {
    /// The group's directory name.
    const NAME: &'static CStr;

    /// The attributes' names; an attribute is passed to [`AttributeGroup::show`] and
    /// [`AttributeGroup::store`] as its index in this table. At most [`MAX_ATTRS`].
    const ATTRS: &'static [&'static CStr];

    /// Reading attribute `attr`: the text to show (one line; at most a page is shown).
    fn show(dev: &Device<Self>, attr: usize) -> Result<CString>;

    /// Writing attribute `attr` (the written bytes, trailing newline included). Process context.
    fn store(dev: &Device<Self>, attr: usize, input: &[u8]) -> Result;
}

/// The sysfs tables of group `T`.
struct GroupTable<T: AttributeGroup>(PhantomData<T>);

impl<T: AttributeGroup> GroupTable<T> {
    /// One `device_attribute` per name; the rest are unused.
    const DEV_ATTRS: [bindings::device_attribute; MAX_ATTRS] = {
        assert!(T::ATTRS.len() <= MAX_ATTRS);
        // SAFETY: all-zero is a valid `device_attribute` (null name, no callbacks); only the
        // first `T::ATTRS.len()` entries are listed in the group.
        let mut attrs: [bindings::device_attribute; MAX_ATTRS] = unsafe { mem::zeroed() };
        let mut i = 0;
        while i < T::ATTRS.len() {
            attrs[i].attr.name = T::ATTRS[i].as_char_ptr();
            attrs[i].attr.mode = 0o644;
            attrs[i].show = Some(Self::show);
            attrs[i].store = Some(Self::store);
            i += 1;
        }
        attrs
    };

    /// The NULL-terminated list of the group's attributes.
    const LIST: [*mut bindings::attribute; MAX_ATTRS + 1] = {
        let attrs: &'static [bindings::device_attribute; MAX_ATTRS] = &Self::DEV_ATTRS;
        let mut list = [ptr::null_mut(); MAX_ATTRS + 1];
        let mut i = 0;
        while i < T::ATTRS.len() {
            let attr: *const bindings::attribute = &attrs[i].attr;
            list[i] = attr.cast_mut();
            i += 1;
        }
        list
    };

    const GROUP: bindings::attribute_group = bindings::attribute_group {
        name: T::NAME.as_char_ptr(),
        attrs: {
            let list: &'static [*mut bindings::attribute; MAX_ATTRS + 1] = &Self::LIST;
            let list: *const [*mut bindings::attribute; MAX_ATTRS + 1] = list;
            list.cast::<*mut bindings::attribute>().cast_mut()
        },
        // SAFETY: all-zero is the "unset" value of every remaining field (no visibility
        // callbacks, no binary attributes).
        ..unsafe { mem::zeroed() }
    };

    const fn build() -> &'static bindings::attribute_group {
        &Self::GROUP
    }

    /// The device and the attribute's index of a sysfs callback.
    ///
    /// # Safety
    ///
    /// `d` is the `struct device` of a net device of `T` (the group is only given to those,
    /// and its files are removed before the device is freed); `attr` is one of the group's.
    unsafe fn resolve<'a>(
        d: *mut bindings::device,
        attr: *mut bindings::device_attribute,
    ) -> Option<(&'a Device<T>, usize)> {
        // SAFETY: a net device's `struct device` is its `dev` field (`to_net_dev`).
        let dev = unsafe {
            Device::<T>::from_raw(
                d.byte_sub(mem::offset_of!(bindings::net_device, dev))
                    .cast::<bindings::net_device>(),
            )
        };
        // SAFETY: `attr` is one of the group's, whose name is a static C string.
        let name = unsafe { CStr::from_char_ptr((*attr).attr.name) };
        let index = T::ATTRS
            .iter()
            .position(|a| a.as_bytes() == name.as_bytes())?;
        Some((dev, index))
    }

    /// `show` of every attribute of the group.
    ///
    /// # Safety
    ///
    /// Called only by sysfs, for an attribute of this group, on a live device of `T`, with a
    /// buffer of `PAGE_SIZE` bytes.
    unsafe extern "C" fn show(
        d: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: per the function's contract.
        let Some((dev, index)) = (unsafe { Self::resolve(d, attr) }) else {
            return EINVAL.to_errno() as isize;
        };
        match T::show(dev, index) {
            Ok(text) => {
                let bytes = text.as_bytes();
                let len = bytes.len().min(kernel::page::PAGE_SIZE - 1);
                // SAFETY: sysfs hands `show` a buffer of `PAGE_SIZE` bytes; `len` is less.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), len) };
                len as isize
            }
            Err(e) => e.to_errno() as isize,
        }
    }

    /// `store` of every attribute of the group.
    ///
    /// # Safety
    ///
    /// Called only by sysfs, for an attribute of this group, on a live device of `T`, in the
    /// writer's process context, with `len` bytes at `buf`.
    unsafe extern "C" fn store(
        d: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *const c_char,
        len: usize,
    ) -> isize {
        // SAFETY: per the function's contract.
        let Some((dev, index)) = (unsafe { Self::resolve(d, attr) }) else {
            return EINVAL.to_errno() as isize;
        };
        // SAFETY: the device's namespace is live; `ns_capable` checks the writer's credentials
        // against its user namespace.
        let admin = unsafe {
            let net = bindings::tlsnic_dev_net(dev.as_raw());
            bindings::ns_capable((*net).user_ns, bindings::CAP_NET_ADMIN as c_int)
        };
        if !admin {
            return EPERM.to_errno() as isize;
        }
        // SAFETY: sysfs passes `len` valid bytes at `buf`.
        let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
        match T::store(dev, index, input) {
            Ok(()) => len as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

impl<T: AttributeGroup> SetupDevice<'_, T> {
    /// Gives the device `T`'s attribute group, created with the device's other sysfs files when
    /// it is registered.
    pub(crate) fn set_sysfs_group(&mut self) {
        self.0.sysfs_groups[0] = GroupTable::<T>::build();
    }
}
