// SPDX-License-Identifier: GPL-2.0

//! ethtool: the [`EthtoolOps`] trait (`struct ethtool_ops`): driver information, link state and
//! the device's statistics (`ethtool -S`).
//!
//! C header: [`include/linux/ethtool.h`](srctree/include/linux/ethtool.h).

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps, SetupDevice};
use core::{marker::PhantomData, mem};
use kernel::{ffi::c_int, prelude::*, str::CStr};

/// Length of a statistic's name slot (`ETH_GSTRING_LEN`, terminating NUL included).
pub(crate) const GSTRING_LEN: usize = bindings::TLSNIC_ETH_GSTRING_LEN as usize;

/// The ethtool callbacks of a driver. Link state comes from the carrier
/// (`ethtool_op_get_link`).
#[vtable]
pub(crate) trait EthtoolOps: NetDeviceOps {
    /// The driver name `ethtool -i` shows.
    const DRIVER: &'static CStr;

    /// The names of the statistics, in order. Each must fit [`GSTRING_LEN`] with its NUL
    /// (checked when the table is built).
    const STATS: &'static [&'static str];

    /// Fills `out` (one value per name of [`EthtoolOps::STATS`]) with the device's statistics.
    fn stats(dev: &Device<Self>, out: &mut [u64]);
}

/// `struct ethtool_ops` of driver `T`.
struct EthtoolOpsTable<T: EthtoolOps>(PhantomData<T>);

impl<T: EthtoolOps> EthtoolOpsTable<T> {
    const VTABLE: bindings::ethtool_ops = {
        let mut i = 0;
        while i < T::STATS.len() {
            assert!(T::STATS[i].len() < GSTRING_LEN);
            i += 1;
        }
        bindings::ethtool_ops {
            get_drvinfo: Some(Self::get_drvinfo),
            get_link: Some(bindings::ethtool_op_get_link),
            get_sset_count: Some(Self::get_sset_count),
            get_strings: Some(Self::get_strings),
            get_ethtool_stats: Some(Self::get_ethtool_stats),
            // SAFETY: `ethtool_ops` holds capability bits and optional function pointers;
            // all-zero means "no capability, no callback".
            ..unsafe { mem::zeroed() }
        }
    };

    const fn build() -> &'static bindings::ethtool_ops {
        &Self::VTABLE
    }

    /// `get_drvinfo`: the driver name.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core for a device of `T`, with a valid `ethtool_drvinfo`.
    unsafe extern "C" fn get_drvinfo(
        _dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        // SAFETY: the ethtool core passes a valid, zeroed `ethtool_drvinfo`.
        let info = unsafe { &mut *info };
        let name = T::DRIVER.as_bytes();
        let n = name.len().min(info.driver.len() - 1);
        for (d, s) in info.driver.iter_mut().zip(&name[..n]) {
            *d = *s as _;
        }
    }

    /// `get_sset_count`: how many statistics `ethtool -S` shows.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core for a device of `T`.
    unsafe extern "C" fn get_sset_count(_dev: *mut bindings::net_device, sset: c_int) -> c_int {
        if sset == bindings::TLSNIC_ETH_SS_STATS {
            T::STATS.len() as c_int
        } else {
            -(bindings::EOPNOTSUPP as c_int)
        }
    }

    /// `get_strings`: the statistics' names.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core for a device of `T`, with a buffer of as many
    /// `ETH_GSTRING_LEN` slots as `get_sset_count` returned.
    unsafe extern "C" fn get_strings(_dev: *mut bindings::net_device, sset: u32, data: *mut u8) {
        if sset as c_int != bindings::TLSNIC_ETH_SS_STATS {
            return;
        }
        // SAFETY: the ethtool core passes a buffer of `get_sset_count` slots of
        // `ETH_GSTRING_LEN` bytes each.
        let out = unsafe { core::slice::from_raw_parts_mut(data, T::STATS.len() * GSTRING_LEN) };
        for (slot, name) in out.chunks_exact_mut(GSTRING_LEN).zip(T::STATS) {
            slot.fill(0);
            // Names fit with their NUL (checked in `VTABLE`).
            slot[..name.len()].copy_from_slice(name.as_bytes());
        }
    }

    /// `get_ethtool_stats`: the statistics' values.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core for a registered device of `T`, with a buffer of as many
    /// values as `get_sset_count` returned.
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        // SAFETY: called on one of our devices with a buffer of `get_sset_count(ETH_SS_STATS)`
        // values.
        let (dev, out) = unsafe {
            (
                Device::<T>::from_raw(dev),
                core::slice::from_raw_parts_mut(data, T::STATS.len()),
            )
        };
        T::stats(dev, out);
    }
}

impl<T: EthtoolOps> SetupDevice<'_, T> {
    /// Gives the device `T`'s ethtool callbacks.
    pub(crate) fn set_ethtool_ops(&mut self) {
        self.0.ethtool_ops = EthtoolOpsTable::<T>::build();
    }
}
