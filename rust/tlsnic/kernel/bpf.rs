// SPDX-License-Identifier: GPL-2.0

//! BPF flow-policy programs: a pinned `BPF_PROG_TYPE_CGROUP_SOCK` program, held by reference
//! and run on a socket, and an RCU-published slot that holds at most one of them.
//!
//! The program is one the user compiled with clang and pinned with `bpftool`; tlsnic takes a
//! reference to it by path (`bpf_prog_get_type_path`) and runs it the way the cgroup core runs
//! its socket programs: the context is the `struct sock`, seen through `struct bpf_sock`, inside
//! a cgroup run context so that every helper of the program type works. Programs that use
//! cgroup storage are refused: that storage belongs to a cgroup attachment, which a policy is
//! not.

use crate::base::bindings;
use crate::base::net::sock::Socket;
use crate::base::sync::RcuGuard;
use core::{
    mem::ManuallyDrop,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{error::from_err_ptr, new_mutex, prelude::*, str::CStr, sync::Mutex};

/// A reference to a loaded BPF program of the policy type.
///
/// # Invariants
///
/// The pointer is a live `struct bpf_prog` of type `BPF_PROG_TYPE_CGROUP_SOCK` without cgroup
/// storage, on which this value owns one reference.
pub(crate) struct Prog(NonNull<bindings::bpf_prog>);

// SAFETY: a program reference may be used and dropped from any thread; the program itself is
// immutable once loaded.
unsafe impl Send for Prog {}
// SAFETY: see `Send`; `&Prog` only reads immutable fields or runs the program.
unsafe impl Sync for Prog {}

impl Prog {
    /// Takes a reference to the program pinned at `path` in a BPF filesystem, resolved in the
    /// caller's mount namespace: `ENOENT` if there is nothing, `EACCES` if it is not a pinned
    /// program (a regular file, or no read permission), `EINVAL` if it is a map, a link, a
    /// program of another type or one that uses cgroup storage.
    pub(crate) fn from_pinned(path: &CStr) -> Result<Self> {
        // SAFETY: `path` is a NUL-terminated string that outlives the call.
        let prog = from_err_ptr(unsafe {
            bindings::bpf_prog_get_type_path(
                path.as_char_ptr(),
                bindings::bpf_prog_type_BPF_PROG_TYPE_CGROUP_SOCK,
            )
        })?;
        let prog = NonNull::new(prog).ok_or(EINVAL)?;
        // SAFETY: a program we hold a reference to has its aux data, immutable once loaded.
        let aux = unsafe { &*(*prog.as_ptr()).aux };
        let uses_storage = aux.cgroup_storage.iter().any(|map| !map.is_null());
        if uses_storage {
            // Cgroup storage belongs to a cgroup attachment, which a policy has not.
            // SAFETY: we own the reference taken above.
            unsafe { bindings::bpf_prog_put(prog.as_ptr()) };
            return Err(EINVAL);
        }
        // INVARIANT: a reference to a program of the policy type without cgroup storage.
        Ok(Self(prog))
    }

    /// The program's id, as `bpftool prog show` prints it.
    pub(crate) fn id(&self) -> u32 {
        // SAFETY: the program is live (type invariant); its id is set once, at load.
        unsafe { (*(*self.0.as_ptr()).aux).id }
    }

    /// The program's name (possibly empty, at most 15 bytes).
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the program is live (type invariant); its name is a NUL-terminated array in
        // its aux data, immutable once loaded, freed with the program.
        unsafe { CStr::from_char_ptr((*(*self.0.as_ptr()).aux).name.as_ptr()) }
    }

    fn into_raw(self) -> *mut bindings::bpf_prog {
        let ptr = self.0.as_ptr();
        core::mem::forget(self);
        ptr
    }
}

impl Drop for Prog {
    fn drop(&mut self) {
        // SAFETY: this value owns one reference (type invariant). The core frees the program
        // only after an RCU grace period, whatever the context of the last put.
        unsafe { bindings::bpf_prog_put(self.0.as_ptr()) }
    }
}

/// A slot holding at most one policy program, read locklessly under RCU when a flow asks for
/// offload and replaced under a mutex.
///
/// # Invariants
///
/// `prog` is null or a pointer obtained from [`Prog::into_raw`]: the slot owns that reference.
/// A program is freed only after an RCU grace period that follows the release of its last
/// reference, so a reader inside an RCU read-side section may run a program it loaded from the
/// slot even if the slot's reference is released meanwhile.
#[pin_data(PinnedDrop)]
pub(crate) struct ProgSlot {
    prog: AtomicPtr<bindings::bpf_prog>,
    /// Serialises replacements (sysfs writers).
    #[pin]
    writer: Mutex<()>,
}

impl ProgSlot {
    /// An empty slot.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            prog: AtomicPtr::new(ptr::null_mut()),
            writer <- new_mutex!(()),
        })
    }

    /// Puts `new` (or nothing) in the slot and returns the previous program. Readers that loaded
    /// it before the swap may still be running it: dropping it is safe all the same, because the
    /// kernel frees a program only after an RCU grace period that follows its last reference's
    /// release (`bpf_prog_put`), as the XDP and tc attach paths rely on too.
    pub(crate) fn replace(&self, new: Option<Prog>) -> Option<Prog> {
        let _writer = self.writer.lock();
        let new = new.map_or(ptr::null_mut(), Prog::into_raw);
        let old = self.prog.swap(new, Ordering::AcqRel);
        // INVARIANT: the slot owned this reference; it leaves the slot, and its release is
        // deferred past the readers' sections by the kernel (see above).
        NonNull::new(old).map(Prog)
    }

    /// Calls `f` with the current program, if any, under the writers' lock (for reporting).
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&Prog>) -> R) -> R {
        let _writer = self.writer.lock();
        // The reference stays owned by the slot: this view of it is never dropped, and the
        // writers' lock keeps it in the slot while `f` runs.
        let prog =
            NonNull::new(self.prog.load(Ordering::Acquire)).map(|p| ManuallyDrop::new(Prog(p)));
        f(prog.as_deref())
    }

    /// Runs the current program on `sock`: `None` if the slot is empty, else the program's
    /// return value. Process context (the socket's owner setting up offload).
    pub(crate) fn run(&self, sock: &Socket) -> Option<u32> {
        let _rcu = RcuGuard::lock();
        let prog = NonNull::new(self.prog.load(Ordering::Acquire))?;
        // SAFETY: `prog` was published in the slot, and the kernel frees it only after a grace
        // period following its last release, which the RCU read-side section above delays
        // (type invariant); `sock` is a live socket (the caller holds its lock while setting up
        // offload), the context this program type expects.
        Some(unsafe { run(prog.as_ptr(), sock) })
    }
}

#[pinned_drop]
impl PinnedDrop for ProgSlot {
    fn drop(self: Pin<&mut Self>) {
        if let Some(prog) = NonNull::new(self.prog.load(Ordering::Acquire)) {
            // INVARIANT: the slot owned this reference; nobody can read an exclusively borrowed
            // slot, and `Prog::drop` releases it RCU-safely.
            drop(Prog(prog));
        }
    }
}

/// Runs `prog` on `sock` the way the cgroup core runs its socket programs: with a cgroup run
/// context (so that `bpf_get_retval`/`bpf_set_retval` work), migration disabled.
///
/// # Safety
///
/// `prog` is a live `BPF_PROG_TYPE_CGROUP_SOCK` program without cgroup storage that stays live
/// for the call; `sock` is the locked socket the program looks at.
unsafe fn run(prog: *mut bindings::bpf_prog, sock: &Socket) -> u32 {
    // SAFETY: all-zero is the empty run context and array item; only the program is set.
    let mut item: bindings::bpf_prog_array_item = unsafe { core::mem::zeroed() };
    item.prog = prog;
    // SAFETY: as above.
    let mut ctx: bindings::bpf_cg_run_ctx = unsafe { core::mem::zeroed() };
    ctx.prog_item = &item;
    // SAFETY: the run context and the item outlive the run, which restores the previous
    // context before they go; the program gets the socket it expects (see the function's
    // contract).
    unsafe {
        bindings::tlsnic_migrate_disable();
        let old = bindings::tlsnic_bpf_set_run_ctx(&mut ctx.run_ctx);
        let ret = bindings::tlsnic_bpf_prog_run(prog, sock.as_raw().cast());
        bindings::tlsnic_bpf_reset_run_ctx(old);
        bindings::tlsnic_migrate_enable();
        ret
    }
}
