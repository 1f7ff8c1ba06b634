// SPDX-License-Identifier: GPL-2.0

//! The basement: tlsnic's safe layer over the kernel's C structures, and the only part of the
//! module with `unsafe` code. Everything it offers is safe to call; every other module of the
//! crate (the driver) carries `#![forbid(unsafe_code)]`, so the boundary is the compiler's rule.
//! The basement knows nothing of the driver: it imports neither the driver's modules nor the
//! core crate, and offers one trait per C callback table, which the driver implements.
//!
//! The directory is `rust/tlsnic/kernel/`, laid out after `rust/kernel`; the module is named
//! `base` because a module named `kernel` would shadow the `kernel` crate.
//!
//! - [`bindings`]: bindgen's view of the C APIs `kernel::bindings` lacks in 6.12.
//! - [`net`]: net devices ([`net::device::NetDeviceOps`]), rtnetlink link kinds
//!   ([`net::link::RtnlLinkOps`]), ethtool ([`net::ethtool::EthtoolOps`]), socket buffers,
//!   sockets, and kTLS device offload ([`net::tls::TlsDevOps`]).
//! - [`sysfs`]: a device's attribute group ([`sysfs::AttributeGroup`]).
//! - [`page`]: page blocks and page references, the memory the data path fills and shares.
//! - [`crypto`]: AEAD, skcipher and shash transforms of the kernel crypto API.
//! - [`workqueue`]: a device's work item, queued on any CPU or on a chosen one ([`cpu`]).
//! - [`bpf`]: BPF programs attached by path.
//! - [`sync`]: RCU and bottom-half spinlocks.
//! - [`debugfs`]: directories of integer knobs and text files whose lifetimes the type system
//!   checks.
//! - [`trace`]: the `tlsnic` tracepoints.
//! - [`params`], [`error`]: module parameters and the errnos `kernel::error::code` lacks.

pub(crate) mod bindings;
pub(crate) mod bpf;
pub(crate) mod cpu;
pub(crate) mod crypto;
pub(crate) mod debugfs;
pub(crate) mod error;
pub(crate) mod net;
pub(crate) mod page;
pub(crate) mod params;
pub(crate) mod sync;
pub(crate) mod sysfs;
pub(crate) mod trace;
pub(crate) mod workqueue;
