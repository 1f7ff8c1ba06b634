// SPDX-License-Identifier: GPL-2.0

//! The basement: tlsnic's safe layer over the kernel's C structures, and the only part of the
//! module with `unsafe` code. Everything it offers is safe to call; every other module of the
//! crate (the driver: `pair`, `offload`, `receive`, `policy`, `engine`, `wire`) carries
//! `#![forbid(unsafe_code)]`, so the boundary is the compiler's rule.
//!
//! The directory is `rust/tlsnic/kernel/`, laid out after `rust/kernel`; the module is named
//! `base` because a module named `kernel` would shadow the `kernel` crate.
//!
//! - [`bindings`]: bindgen's view of the C APIs `kernel::bindings` lacks in 6.12.
//! - [`netdev`]: net devices, rtnetlink link kinds, ethtool, socket buffers, sysfs groups.
//! - [`tls`]: the TLS offload device operations (`tlsdev_ops`) and the TLS core's flow state.
//! - [`crypto`]: AEAD, skcipher and shash transforms of the kernel crypto API.
//! - [`bpf`]: BPF programs attached by path.
//! - [`sync`]: RCU and bottom-half spinlock helpers.
//! - [`debugfs`]: directories of integer knobs whose lifetimes the type system checks.

pub(crate) mod bindings;
pub(crate) mod bpf;
pub(crate) mod crypto;
pub(crate) mod debugfs;
pub(crate) mod netdev;
pub(crate) mod sync;
pub(crate) mod tls;
