// SPDX-License-Identifier: GPL-2.0

//! CPUs: the one running the caller and which are online.
//!
//! C header: [`include/linux/cpumask.h`](srctree/include/linux/cpumask.h).

use crate::base::bindings;

/// The CPU running the caller (`raw_smp_processor_id`). Where the caller may be preempted and
/// migrated, the answer may be stale by the time it is used: a hint for choosing where to send
/// work, never a key into per-CPU data.
pub(crate) fn current() -> u32 {
    // SAFETY: no preconditions.
    unsafe { bindings::tlsnic_this_cpu() }
}

/// Whether CPU `cpu` exists and is online now.
pub(crate) fn online(cpu: u32) -> bool {
    // SAFETY: no preconditions; the shim checks `cpu` against `nr_cpu_ids`.
    unsafe { bindings::tlsnic_cpu_online(cpu) }
}
