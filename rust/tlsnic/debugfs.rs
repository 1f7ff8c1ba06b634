// SPDX-License-Identifier: GPL-2.0

//! debugfs directories holding plain integer files (`debugfs_create_u32`/`_u64`), for the
//! device model's knobs. The files read and write the integers directly; the integers are
//! atomics, so the driver reads them with ordinary atomic loads while userspace writes them.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h).

use crate::bindings;
use core::{
    ptr,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering},
};
use kernel::str::CStr;

/// A debugfs directory, removed with everything in it when dropped. Empty until
/// [`Dir::create`] succeeds (debugfs may be absent or full: the knobs are then simply missing).
pub(crate) struct Dir(AtomicPtr<bindings::dentry>);

impl Dir {
    /// An empty directory handle.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// Creates directory `name` under `parent` (the debugfs root when `None`) and remembers it.
    /// Returns `false` if that failed or this handle already holds a directory.
    pub(crate) fn create(&self, name: &CStr, parent: Option<&Dir>) -> bool {
        let parent = parent.map_or(ptr::null_mut(), |p| p.0.load(Ordering::Acquire));
        // SAFETY: `name` is a valid C string; `parent` is null or a directory we created and
        // still hold.
        let d = unsafe { bindings::tlsnic_debugfs_dir(name.as_char_ptr(), parent) };
        if d.is_null() {
            return false;
        }
        if self
            .0
            .compare_exchange(ptr::null_mut(), d, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: `d` was just created and is not published.
            unsafe { bindings::tlsnic_debugfs_remove(d) };
            return false;
        }
        true
    }

    /// Removes the directory and everything in it (for a `static` directory, which is never
    /// dropped). Does nothing if there is none.
    pub(crate) fn remove(&self) {
        let d = self.0.swap(ptr::null_mut(), Ordering::AcqRel);
        if !d.is_null() {
            // SAFETY: `d` is a directory we created and no longer publish; removal waits for
            // open files to finish.
            unsafe { bindings::tlsnic_debugfs_remove(d) }
        }
    }

    /// Adds file `name` showing and setting `value`.
    ///
    /// # Safety
    ///
    /// `value` must stay at its address until this directory is removed (dropped or
    /// [`Dir::remove`]d): the file reads and writes it until then. For example both live in one
    /// pinned structure that declares the directory before the value.
    pub(crate) unsafe fn u32(&self, name: &CStr, value: &AtomicU32) {
        let d = self.0.load(Ordering::Acquire);
        if !d.is_null() {
            // `AtomicU32` has the layout of `u32`, and debugfs's plain 32-bit loads and stores
            // are atomic on every architecture the kernel supports.
            // SAFETY: `d` is our live directory; `value` lives until it is removed (see above).
            unsafe { bindings::tlsnic_debugfs_u32(name.as_char_ptr(), d, value.as_ptr()) }
        }
    }

    /// Adds file `name` showing and setting `value`.
    ///
    /// # Safety
    ///
    /// As for [`Dir::u32`].
    pub(crate) unsafe fn u64(&self, name: &CStr, value: &AtomicU64) {
        // SAFETY: the caller's guarantee is ours.
        unsafe { self.u64_mode(name, value, 0o600) }
    }

    /// Adds read-only file `name` showing `value` (a gauge the module maintains). Safe: a
    /// `'static` value outlives every directory.
    pub(crate) fn u64_ro(&self, name: &CStr, value: &'static AtomicU64) {
        // SAFETY: `value` is never freed.
        unsafe { self.u64_mode(name, value, 0o400) }
    }

    /// # Safety
    ///
    /// As for [`Dir::u32`].
    unsafe fn u64_mode(&self, name: &CStr, value: &AtomicU64, mode: u16) {
        let d = self.0.load(Ordering::Acquire);
        if !d.is_null() {
            // SAFETY: as in `u32`; debugfs uses plain 64-bit loads and stores, single
            // instructions on the 64-bit architectures tlsnic builds for.
            unsafe { bindings::tlsnic_debugfs_u64(name.as_char_ptr(), d, value.as_ptr(), mode) }
        }
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        self.remove();
    }
}
