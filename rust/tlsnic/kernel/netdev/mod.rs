// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions for a virtual Ethernet driver.
//!
//! Part of the basement (`rust/tlsnic/kernel/`), one file per concept:
//!
//! - `device.rs`: [`Device`], a registered (or registering) `struct net_device` whose private area
//!   holds the driver's [`Driver::Priv`]; [`NewDevice`], [`SetupDevice`], [`PeerLink`] (an
//!   RCU-published pointer from one device to another) and the feature masks,
//! - `skb.rs`: [`SkBuff`], an owned `struct sk_buff`,
//! - `lock.rs`: [`Rtnl`] and [`Rcu`], proof that the RTNL lock or an RCU read-side section is held,
//! - `driver.rs`: the [`Driver`] trait and the socket view its TLS callbacks get,
//! - `adapter.rs`: [`Adapter`], the tables (`net_device_ops`, `ethtool_ops`, `rtnl_link_ops`,
//!   `tlsdev_ops`, the sysfs group's) that route the kernel's callbacks to a [`Driver`]
//!   implementation, in the style of `rust/kernel/net/phy.rs`,
//! - `rtnl.rs`: namespaces, extended acks, the link kind ([`LinkOps`]) and its [`Registration`],
//! - `xmit_work.rs`: a device's deferred transmit work ([`XmitWork`]).
//!
//! The kTLS side (TLS contexts, record lists, the transmit view of an skb) is in `../tls.rs`, the
//! kernel crypto API in `../crypto.rs`.
//!
//! C headers: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h),
//! [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h),
//! [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h).

use crate::base::bindings;
use crate::base::tls::{Direction, TlsContext};
use crate::tlsnic_core::{ifname::IfName, packet::FlowKey, stats};
use core::{
    marker::PhantomData,
    mem::{self, ManuallyDrop},
    pin::Pin,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    init::PinInit,
    prelude::*,
    str::{CStr, CString},
    types::Opaque,
};

mod adapter;
mod device;
mod driver;
mod lock;
mod rtnl;
mod skb;
mod xmit_work;

pub(crate) use adapter::*;
pub(crate) use device::*;
pub(crate) use driver::*;
pub(crate) use lock::*;
pub(crate) use rtnl::*;
pub(crate) use skb::*;
pub(crate) use xmit_work::*;

/// `-ENAMETOOLONG` (not among `kernel::error::code` in 6.12).
pub(crate) fn enametoolong() -> Error {
    Error::from_errno(-(bindings::ENAMETOOLONG as c_int))
}

/// Length of an Ethernet header.
pub(crate) const ETH_HLEN: u32 = bindings::ETH_HLEN;
/// Smallest MTU of an Ethernet device.
pub(crate) const ETH_MIN_MTU: u32 = bindings::ETH_MIN_MTU;
/// Largest MTU of an Ethernet device.
pub(crate) const ETH_MAX_MTU: u32 = bindings::ETH_MAX_MTU;

// ethtool copies counter names in `ETH_GSTRING_LEN` slots; the core crate checks the names fit.
const _: () = assert!(stats::GSTRING_LEN == bindings::TLSNIC_ETH_GSTRING_LEN as usize);

/// `-EOPNOTSUPP`.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as c_int))
}

/// The `pairs` module parameter, declared in the C shim (the `module!` macro of 6.12 cannot
/// declare parameters).
pub(crate) fn param_pairs() -> u32 {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`.
    unsafe { ptr::addr_of!(bindings::tlsnic_param_pairs).read() }
}

/// The `engine` module parameter (declared in the C shim, like `pairs`): the engine of new
/// devices, as written to their `engine` attribute.
pub(crate) fn param_engine() -> &'static CStr {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`;
    // a `charp` parameter is a NUL-terminated string (the default is a string literal) that lives
    // as long as the module.
    unsafe { CStr::from_char_ptr(ptr::addr_of!(bindings::tlsnic_param_engine).read()) }
}
