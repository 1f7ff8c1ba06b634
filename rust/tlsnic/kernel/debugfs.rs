// SPDX-License-Identifier: GPL-2.0

//! debugfs directories holding plain integer files (`debugfs_create_u32`/`_u64`), for the
//! device model's knobs. The files read and write the integers directly; the integers are
//! atomics, so the driver reads them with ordinary atomic loads while userspace writes them.
//!
//! A file points at its integer, so the integer must stay in place until the file is gone.
//! [`Knobs`] carries that rule in the type system: it owns a directory and the values its files
//! show, exists only pinned, and removes the directory before the values are dropped; its
//! [`Knobs::create`] hands out the values with a lifetime no other reference can meet.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h).

use crate::base::bindings;
use core::{
    marker::{PhantomData, PhantomPinned},
    ops::Deref,
    ptr,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering},
};
use kernel::{init::PinInit, pin_init, prelude::*, str::CStr};

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
        let d = unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), parent) };
        // debugfs answers an error pointer when it is absent or the name is taken.
        let Ok(d) = kernel::error::from_err_ptr(d) else {
            return false;
        };
        if d.is_null() {
            return false;
        }
        if self
            .0
            .compare_exchange(ptr::null_mut(), d, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: `d` was just created and is not published.
            unsafe { bindings::debugfs_remove(d) };
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
            unsafe { bindings::debugfs_remove(d) }
        }
    }

    /// Adds read-only file `name` showing `value` (a gauge the module maintains). Safe: a
    /// `'static` value outlives every directory.
    pub(crate) fn u64_ro(&self, name: &CStr, value: &'static AtomicU64) {
        Files::<'static>::of(self).u64_mode(name, value, 0o400);
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A debugfs directory and the values its files show. Only ever pinned (it is built by
/// [`Knobs::new`], a pin-initialiser, and is `!Unpin`), so the values stay at their address for
/// as long as the `Knobs` lives; the directory is declared first and so removed (which waits for
/// open files) before the values are dropped.
#[pin_data]
pub(crate) struct Knobs<T> {
    dir: Dir,
    #[pin]
    values: T,
    #[pin]
    _pin: PhantomPinned,
}

impl<T> Knobs<T> {
    /// The values `values`, not yet shown in any directory.
    pub(crate) fn new(values: impl PinInit<T>) -> impl PinInit<Self> {
        pin_init!(Self {
            dir: Dir::new(),
            values <- values,
            _pin: PhantomPinned,
        })
    }

    /// Creates directory `name` under `parent` and lets `files` add the files that show the
    /// values. Returns `false` if the directory could not be created (debugfs absent or full,
    /// the name taken) or already exists.
    ///
    /// `files` gets the values and a [`Files`] with one lifetime `'a` it must accept for any
    /// `'a`: only references into the values (or `'static` ones) meet that, so a file can point
    /// only at something that outlives the directory.
    pub(crate) fn create(
        &self,
        name: &CStr,
        parent: Option<&Dir>,
        files: impl for<'a> FnOnce(&Files<'a>, &'a T),
    ) -> bool {
        if !self.dir.create(name, parent) {
            return false;
        }
        files(&Files::of(&self.dir), &self.values);
        true
    }
}

impl<T> Deref for Knobs<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.values
    }
}

/// Adds files to a directory, each showing a value that lives for at least `'a`. `'a` is
/// invariant, so a `Files<'a>` cannot be made to accept shorter-lived values.
pub(crate) struct Files<'a> {
    dir: *mut bindings::dentry,
    _values: PhantomData<fn(&'a ()) -> &'a ()>,
}

impl<'a> Files<'a> {
    /// Files in `dir` (nowhere if `dir` holds no directory). The values must outlive the
    /// directory: [`Knobs`] and `'static` values see to it.
    fn of(dir: &Dir) -> Self {
        Self {
            dir: dir.0.load(Ordering::Acquire),
            _values: PhantomData,
        }
    }

    /// Adds file `name` showing and setting `value`.
    pub(crate) fn u32(&self, name: &CStr, value: &'a AtomicU32) {
        if !self.dir.is_null() {
            // `AtomicU32` has the layout of `u32`, and debugfs's plain 32-bit loads and stores
            // are atomic on every architecture the kernel supports.
            // SAFETY: `dir` is a live directory (its owner removes it only when dropped, and
            // the files were added through it); `value` lives for `'a`, which outlasts the
            // directory (see `Files::of`).
            unsafe {
                bindings::debugfs_create_u32(name.as_char_ptr(), 0o600, self.dir, value.as_ptr())
            }
        }
    }

    /// Adds file `name` showing and setting `value`.
    pub(crate) fn u64(&self, name: &CStr, value: &'a AtomicU64) {
        self.u64_mode(name, value, 0o600);
    }

    fn u64_mode(&self, name: &CStr, value: &'a AtomicU64, mode: u16) {
        if !self.dir.is_null() {
            // SAFETY: as in `u32`; debugfs uses plain 64-bit loads and stores, single
            // instructions on the 64-bit architectures tlsnic builds for.
            unsafe {
                bindings::debugfs_create_u64(name.as_char_ptr(), mode, self.dir, value.as_ptr())
            }
        }
    }
}
