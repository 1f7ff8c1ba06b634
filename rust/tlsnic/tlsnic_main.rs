// SPDX-License-Identifier: GPL-2.0

//! tlsnic: virtual NIC pairs for kernel TLS offload.
//!
//! Loading the module creates `pairs` linked pairs of Ethernet devices (`tlsnic0` <-> `tlsnic1`,
//! ...) and registers the `tlsnic` link kind for `ip link add NAME type tlsnic`. See
//! `Documentation/index.rst`.
//!
//! Layout: [`base`] (`rust/tlsnic/kernel/`) is the safe layer over the kernel's C structures and
//! the only module with `unsafe` code; [`pair`], [`offload`], [`receive`], [`policy`], [`engine`]
//! and [`wire`] are the driver logic, each file under `#![forbid(unsafe_code)]`; `tlsnic_core`
//! is the kernel-independent logic, shared with the host-tested `rust/core` crate. This file
//! holds the module declaration and its load and unload.

use base::netdev;
use kernel::prelude::*;

#[path = "kernel/mod.rs"]
mod base;
mod engine;
mod offload;
mod pair;
mod policy;
mod receive;
mod wire;

/// Kernel-independent logic, compiled from the `tlsnic-core` crate's sources (`rust/core`).
#[path = "../core/src"]
#[allow(unreachable_pub, dead_code)]
mod tlsnic_core {
    pub(crate) mod engine;
    pub(crate) mod fifo;
    pub(crate) mod gcm;
    pub(crate) mod ifname;
    pub(crate) mod packet;
    pub(crate) mod policy;
    pub(crate) mod rx;
    pub(crate) mod stats;
    pub(crate) mod tls12;
}

module! {
    type: Tlsnic,
    name: "tlsnic",
    author: "tlsnic developers",
    description: "Virtual NIC pairs with inline kernel TLS offload",
    license: "GPL",
    alias: ["rtnl-link-tlsnic"],
}

struct Tlsnic {
    // Dropped in this order: the devices (and their debugfs directories) go before the root.
    _link: netdev::Registration<pair::Pair>,
    _debugfs: DebugfsRoot,
}

/// Removes `/sys/kernel/debug/tlsnic` when the module goes.
struct DebugfsRoot;

impl Drop for DebugfsRoot {
    fn drop(&mut self) {
        pair::DEBUGFS_ROOT.remove();
    }
}

impl kernel::Module for Tlsnic {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let pairs = netdev::param_pairs();
        if !tlsnic_core::ifname::pairs_valid(pairs) {
            pr_err!(
                "pairs={} is out of range (0..={})\n",
                pairs,
                tlsnic_core::ifname::MAX_PAIRS
            );
            return Err(EINVAL);
        }
        engine::check_param()?;
        // Best effort: without debugfs the devices work, without fault knobs.
        if pair::DEBUGFS_ROOT.create(kernel::c_str!("tlsnic"), None) {
            pair::DEBUGFS_ROOT.u64_ro(kernel::c_str!("flows_live"), &offload::FLOWS_LIVE);
        }
        let debugfs = DebugfsRoot;
        // Dropping the registration on an error below deletes the pairs already created.
        let link = netdev::Registration::register(&pair::LINK_OPS)?;
        {
            let rtnl = netdev::Rtnl::lock();
            for _ in 0..pairs {
                pair::create_pair(&rtnl, netdev::Net::init_ns())?;
            }
        }
        pr_info!("{} pair(s) created\n", pairs);
        Ok(Tlsnic {
            _link: link,
            _debugfs: debugfs,
        })
    }
}
