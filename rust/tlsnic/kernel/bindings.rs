// SPDX-License-Identifier: GPL-2.0

//! tlsnic's own bindings to kernel C APIs.
//!
//! `kernel::bindings` in 6.12 does not cover netdevice internals, rtnetlink link types, ethtool,
//! kTLS, crypto AEAD or BPF. Kbuild runs bindgen on `bindings_helper.h` with the allowlist in
//! `bindgen_allowlist` (and the kernel's own `rust/bindgen_parameters`) to produce
//! `bindings_generated.rs`, which is included here. Only the basement (this directory) uses these
//! items: the driver modules cannot call them, being under `#![forbid(unsafe_code)]`.

#![allow(
    clippy::all,
    clippy::undocumented_unsafe_blocks,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]

use kernel::ffi;

// Types the kernel's bindgen parameters blocklist, mapped as `rust/bindings` does.
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

include!("bindings_generated.rs");
