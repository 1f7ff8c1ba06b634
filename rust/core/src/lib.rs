// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of tlsnic.
//!
//! Everything here is `no_std`, free of `unsafe` and of kernel types, so the same source files are
//! compiled into `tlsnic.ko` (the module includes them with `#[path]`) and tested on the host with
//! `cargo test`. Keep each file self-contained: the module lists the files it includes in
//! `rust/tlsnic/tlsnic_main.rs`.

#![no_std]
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
