// SPDX-License-Identifier: GPL-2.0

//! The module parameters, declared in the C shim (`rust/shim/params.c`): the `module!` macro of
//! 6.12 cannot declare parameters.

use crate::base::bindings;
use core::ptr;
use kernel::str::CStr;

/// `pairs`: how many pairs the module creates at load.
pub(crate) fn pairs() -> u32 {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`.
    unsafe { ptr::addr_of!(bindings::tlsnic_param_pairs).read() }
}

/// `engine`: the engine of new devices, as written to their `engine` attribute.
pub(crate) fn engine() -> &'static CStr {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`;
    // a `charp` parameter is a NUL-terminated string (the default is a string literal) that lives
    // as long as the module.
    unsafe { CStr::from_char_ptr(ptr::addr_of!(bindings::tlsnic_param_engine).read()) }
}

/// `resync`: the receive resync mode of new devices, as written to their `resync` attribute.
pub(crate) fn resync() -> &'static CStr {
    // SAFETY: as for `engine`: read-only, a NUL-terminated string living as long as the module.
    unsafe { CStr::from_char_ptr(ptr::addr_of!(bindings::tlsnic_param_resync).read()) }
}

/// `tx_resync`: the transmit resync mode of new devices, as written to their `tx_resync`
/// attribute.
pub(crate) fn tx_resync() -> &'static CStr {
    // SAFETY: as for `engine`: read-only, a NUL-terminated string living as long as the module.
    unsafe { CStr::from_char_ptr(ptr::addr_of!(bindings::tlsnic_param_tx_resync).read()) }
}

/// `key_contexts`: how many idle key contexts a device keeps per direction
/// (`crate::engine::KeyTable`).
pub(crate) fn key_contexts() -> u32 {
    // SAFETY: as for `pairs`: read-only, written only by the module loader before `init`.
    unsafe { ptr::addr_of!(bindings::tlsnic_param_key_contexts).read() }
}
