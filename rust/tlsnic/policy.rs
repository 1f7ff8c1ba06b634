// SPDX-License-Identifier: GPL-2.0

//! Per-device BPF flow policy: which flows the device offloads.
//!
//! The kernel asks the device to offload every kTLS flow routed through it (`tls_dev_add`, once
//! per direction). With a policy program attached (`/sys/class/net/DEV/tlsnic/policy`), the
//! program decides first: 1 offloads, 0 refuses with `EOPNOTSUPP`, which the TLS core answers
//! by keeping the flow on software kTLS; the application does not notice. Without a program
//! every eligible flow is offloaded. The program is a `BPF_PROG_TYPE_CGROUP_SOCK` program run on
//! the socket, in the context of the process that calls `setsockopt(SOL_TLS, TLS_TX/TLS_RX)`,
//! so it can look at addresses, ports, the process and its cgroup, and maps (see
//! `Documentation/tls-policy.rst`). Replacing or detaching the program is safe while flows are
//! being set up: readers run under RCU, and the kernel frees a replaced program only after a
//! grace period.

#![forbid(unsafe_code)]

use crate::base::bpf::{Prog, ProgSlot};
use crate::base::error::enametoolong;
use crate::base::net::sock::Socket;
use crate::base::net::tls::Direction;
use crate::tlsnic_core::{
    policy::{BadCommand, Command, Verdict},
    stats::{Stat, Stats},
};
use kernel::{fmt, prelude::*, str::CStr, str::CString};

/// What the policy said about a flow.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// No program: offload.
    NoProgram,
    /// The program said offload.
    Offload,
    /// The program said software: the device refuses the flow with `EOPNOTSUPP`.
    Software,
}

impl Admit {
    /// The verdict as the tracepoints show it: `none`, `offload` or `software`.
    pub(crate) fn name(self) -> &'static core::ffi::CStr {
        match self {
            Admit::NoProgram => c"none",
            Admit::Offload => c"offload",
            Admit::Software => c"software",
        }
    }
}

/// A device's policy: at most one program.
#[pin_data]
pub(crate) struct Policy {
    #[pin]
    slot: ProgSlot,
}

impl Policy {
    /// No program: offload everything eligible.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            slot <- ProgSlot::new(),
        })
    }

    /// Asks the program (if any) whether `sock` may be offloaded in direction `dir`, counting
    /// its verdict.
    pub(crate) fn admit(&self, stats: &Stats, dir: Direction, sock: &Socket) -> Admit {
        let Some(ret) = self.slot.run(sock) else {
            return Admit::NoProgram;
        };
        let (offload, reject) = match dir {
            Direction::Tx => (Stat::TxPolicyOffload, Stat::TxPolicyReject),
            Direction::Rx => (Stat::RxPolicyOffload, Stat::RxPolicyReject),
        };
        match Verdict::from_ret(ret) {
            Verdict::Offload => {
                stats.inc(offload);
                Admit::Offload
            }
            Verdict::Software => {
                stats.inc(reject);
                Admit::Software
            }
        }
    }

    /// The attribute's text: `none`, or the attached program's id and name (`bpftool prog show
    /// id ID` shows the rest).
    pub(crate) fn show(&self) -> Result<CString> {
        self.slot.with(|prog| match prog {
            None => CString::try_from_fmt(fmt!("none\n")),
            Some(prog) => CString::try_from_fmt(fmt!("{} {}\n", prog.id(), prog.name())),
        })
    }

    /// Applies a write to the attribute: attach (replace) or detach. On any error the current
    /// program stays.
    pub(crate) fn store(&self, input: &[u8]) -> Result {
        let path = match Command::parse(input) {
            Ok(Command::Detach) => {
                drop(self.slot.replace(None));
                return Ok(());
            }
            Ok(Command::Attach(path)) => path,
            Err(BadCommand::TooLong) => return Err(enametoolong()),
            Err(BadCommand::NotAbsolute | BadCommand::BadByte) => return Err(EINVAL),
        };
        let mut buf = KVec::with_capacity(path.len() + 1, GFP_KERNEL)?;
        buf.extend_from_slice(path, GFP_KERNEL)?;
        buf.push(0, GFP_KERNEL)?;
        let path = CStr::from_bytes_with_nul(&buf).map_err(|_| EINVAL)?;
        let prog = Prog::from_pinned(path)?;
        // The previous program (if any) is released once no flow setup can be running it.
        drop(self.slot.replace(Some(prog)));
        Ok(())
    }
}
