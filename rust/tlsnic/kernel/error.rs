// SPDX-License-Identifier: GPL-2.0

//! Errnos that `kernel::error::code` of 6.12 does not name.

use crate::base::bindings;
use kernel::{error::Error, ffi::c_int};

/// `-ENAMETOOLONG`.
pub(crate) fn enametoolong() -> Error {
    Error::from_errno(-(bindings::ENAMETOOLONG as c_int))
}

/// `-EOPNOTSUPP`.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as c_int))
}

/// `-ENOTCONN`.
pub(crate) fn enotconn() -> Error {
    Error::from_errno(-(bindings::ENOTCONN as c_int))
}

/// `-ENETDOWN`.
pub(crate) fn enetdown() -> Error {
    Error::from_errno(-(bindings::ENETDOWN as c_int))
}
