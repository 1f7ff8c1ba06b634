// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of tlsnic.
//!
//! Everything here is free of `unsafe` and of kernel types. The same files are the `tlsnic-core`
//! crate, `no_std`, tested on the host with `cargo test`, and a module of `tlsnic.ko`, which
//! includes this file with `#[path]` (the kernel build passes `--cfg MODULE`, so the crate-level
//! `no_std` applies only to the host crate). The module list below is the only one.

#![cfg_attr(not(MODULE), no_std)]
#![forbid(unsafe_code)]

pub mod engine;
pub mod fifo;
pub mod gcm;
pub mod ifname;
pub mod packet;
pub mod policy;
pub mod rx;
pub mod stats;
pub mod tls12;
pub mod tx;
