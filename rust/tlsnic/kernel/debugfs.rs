// SPDX-License-Identifier: GPL-2.0

//! debugfs directories holding plain integer files (`debugfs_create_u32`/`_u64`), for the
//! device model's knobs, and read-only text files ([`Show`]). The integer files read and write
//! the integers directly; the integers are atomics, so the driver reads them with ordinary
//! atomic loads while userspace writes them. A text file is written by its value's
//! [`Show::show`] through `seq_file` each time it is read.
//!
//! A file points at its integer, so the integer must stay in place until the file is gone.
//! [`Knobs`] carries that rule in the type system: it owns a directory and the values its files
//! show, exists only pinned, and removes the directory before the values are dropped; its
//! [`Knobs::create`] hands out the values with a lifetime no other reference can meet.
//!
//! C headers: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h),
//! [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h).

use crate::base::bindings;
use core::{
    ffi::{c_int, c_void},
    fmt,
    marker::{PhantomData, PhantomPinned},
    mem::MaybeUninit,
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

    /// Adds read-only file `name` whose text `value` writes ([`Show::show`]) each time the
    /// file is read.
    pub(crate) fn show<S: Show>(&self, name: &CStr, value: &'a S) {
        if !self.dir.is_null() {
            // debugfs's file proxy runs `open` and `read` (which reach `value`) only while the
            // file exists, and removing the directory waits for those that run; `release`
            // (`single_release`) does not reach it. The file operations hold a module
            // reference for each open file, so they outlive every open file.
            // SAFETY: as in `u32`, `value` outlives the directory; see above for the callbacks.
            unsafe {
                bindings::debugfs_create_file(
                    name.as_char_ptr(),
                    0o400,
                    self.dir,
                    ptr::from_ref(value).cast_mut().cast(),
                    ShowOps::<S>::build(),
                )
            };
        }
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

/// What a read-only text file in debugfs shows ([`Files::show`]).
pub(crate) trait Show: Sync {
    /// Writes the file's text into `out`. Process context; called again from the start when
    /// the text outgrew the buffer (`seq_file` then retries with a larger one).
    fn show(&self, out: &mut SeqOut<'_>);
}

/// The text of a debugfs file being read (`struct seq_file`), written with `write!`. A write
/// that does not fit returns an error, so that a long listing stops early; `seq_file` then
/// calls [`Show::show`] again with a larger buffer.
pub(crate) struct SeqOut<'a> {
    m: *mut bindings::seq_file,
    _file: PhantomData<&'a mut bindings::seq_file>,
}

impl fmt::Write for SeqOut<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `m` is the seq_file being read, valid while the show callback runs (which
        // is as long as `self` exists); `s` is valid for `s.len()` bytes.
        match unsafe { bindings::seq_write(self.m, s.as_ptr().cast(), s.len()) } {
            0 => Ok(()),
            _ => Err(fmt::Error),
        }
    }
}

// Only the address of the symbol is taken (as the `module!` macro does), never its contents,
// so that a member type bindgen could not lay out does not matter.
#[allow(improper_ctypes)]
extern "C" {
    /// This module's `struct module`, which the module loader fills in.
    static __this_module: kernel::types::Opaque<kernel::bindings::module>;
}

/// The `file_operations` of a [`Files::show`] file whose value is an `S`: `single_open` with
/// [`Show::show`] as the show callback.
struct ShowOps<S>(PhantomData<S>);

impl<S: Show> ShowOps<S> {
    const FOPS: bindings::file_operations = bindings::file_operations {
        // An open file holds a reference on the module: debugfs's proxy calls `release`, and
        // reads these operations, after the file is removed, so they must stay in memory
        // until the last open file is closed (`rmmod` fails with EBUSY until then).
        // SAFETY: only the address of the loader's `struct module` is taken.
        owner: unsafe { __this_module.get() }.cast(),
        open: Some(Self::open),
        read: Some(bindings::seq_read),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        // SAFETY: all zeroes is a valid `file_operations`: every other callback absent.
        ..unsafe { MaybeUninit::zeroed().assume_init() }
    };

    const fn build() -> &'static bindings::file_operations {
        &Self::FOPS
    }

    /// # Safety
    ///
    /// Called by the VFS to open a file created by [`Files::show`]: `inode` and `file` are
    /// valid, and `inode->i_private` points at a live `S`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: `inode` is valid (function contract); its private pointer is the value,
        // which `single_open` hands to `show` as the seq_file's private data.
        unsafe { bindings::single_open(file, Some(Self::show), (*inode).i_private) }
    }

    /// # Safety
    ///
    /// Called by `seq_read` on a seq_file set up by [`Self::open`]: `m` is valid and its
    /// private data points at a live `S`.
    unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
        // SAFETY: the private data is the value; `seq_read` runs inside debugfs's proxy read,
        // so the file exists and the value is live (function contract and `Files::show`);
        // `S: Sync` allows this shared reference on any thread.
        let value = unsafe { &*(*m).private.cast::<S>() };
        value.show(&mut SeqOut {
            m,
            _file: PhantomData,
        });
        0
    }
}
