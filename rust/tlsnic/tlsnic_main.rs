// SPDX-License-Identifier: GPL-2.0

//! tlsnic: virtual NIC pairs for kernel TLS offload.
//!
//! Loading the module creates `pairs` linked pairs of Ethernet devices (`tlsnic0` <-> `tlsnic1`,
//! ...) and registers the `tlsnic` link kind for `ip link add NAME type tlsnic`. See
//! `Documentation/index.rst`.
//!
//! Layout (`Documentation/design.rst`):
//!
//! - [`base`] (`rust/tlsnic/kernel/`), the basement: the safe layer over the kernel's C
//!   structures, one trait per C callback table, and the only module with `unsafe` code;
//! - the driver: [`pair`] (the device pair and its callback tables), [`tx`] and [`rx`] (the
//!   transmit and receive offload), [`flow`] (what they share), [`engine`] (the crypto engines),
//!   [`policy`] (the BPF flow policy) and [`wire`] (the lossy wire), each file under
//!   `#![forbid(unsafe_code)]`;
//! - `tlsnic_core`, the kernel-independent logic, compiled from the host-tested `rust/core`
//!   crate's sources.
//!
//! This file holds the module declaration and its load and unload.

#![deny(unsafe_code)]
// The device's private data is one pin-init expression, nested deeper than the default limit.
#![recursion_limit = "256"]

use base::net::{link::Registration, rtnl::Net, rtnl::Rtnl};
use kernel::prelude::*;

// The basement is the one module allowed `unsafe`; every other file also forbids it itself.
#[allow(unsafe_code)]
#[path = "kernel/mod.rs"]
mod base;
mod block;
mod engine;
mod flow;
mod irq;
mod pair;
mod policy;
mod rx;
mod tx;
mod wire;
mod xdp;

/// Kernel-independent logic: the `tlsnic-core` crate's sources (`rust/core`), whose `lib.rs`
/// lists its modules.
#[path = "../core/src/lib.rs"]
#[allow(unreachable_pub, dead_code)]
mod tlsnic_core;

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
    _link: Registration<pair::Pair>,
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
        let pairs = base::params::pairs();
        if !tlsnic_core::ifname::pairs_valid(pairs) {
            pr_err!(
                "pairs={} is out of range (0..={})\n",
                pairs,
                tlsnic_core::ifname::MAX_PAIRS
            );
            return Err(EINVAL);
        }
        engine::check_param()?;
        rx::check_param()?;
        tx::check_param()?;
        // Best effort: without debugfs the devices work, without fault knobs.
        if pair::DEBUGFS_ROOT.create(kernel::c_str!("tlsnic"), None) {
            pair::DEBUGFS_ROOT.u64_ro(kernel::c_str!("flows_live"), &flow::FLOWS_LIVE);
        }
        let debugfs = DebugfsRoot;
        // Dropping the registration on an error below deletes the pairs already created.
        let link = Registration::register(&pair::LINK_OPS)?;
        {
            let rtnl = Rtnl::lock();
            for _ in 0..pairs {
                pair::create_pair(&rtnl, Net::init_ns())?;
            }
        }
        pr_info!("{} pair(s) created\n", pairs);
        Ok(Tlsnic {
            _link: link,
            _debugfs: debugfs,
        })
    }
}
