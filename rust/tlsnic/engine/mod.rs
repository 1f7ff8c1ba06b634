// SPDX-License-Identifier: GPL-2.0

//! Per-device crypto engine selection (`/sys/class/net/DEV/tlsnic/engine`, module parameter
//! `engine`).
//!
//! A device starts with the module parameter's engine. Writing the attribute picks the engine of
//! flows set up afterwards; live flows keep theirs. A `kcrypto` choice is checked when written:
//! the named transform (and the receive transforms) must resolve and accept a 16-byte key and a
//! 12-byte IV, or the write fails (`ENOENT` for an unknown algorithm, `EINVAL` otherwise) and
//! the device keeps its engine. Reading shows the choice and the implementations it resolves to
//! now, e.g. `kcrypto gcm(aes) tx=generic-gcm-aesni rx=__ctr-aes-aesni+__ghash-pclmulqdqni
//! rx-nosimd=ctr(aes-aesni)+ghash-generic rx-whole=__generic-gcm-aesni` (`rx`: counter mode and
//! GHASH for records opened in pieces; `rx-nosimd`: the pair used instead where SIMD is not
//! usable, if the kernel has internal SIMD ones; `rx-whole`: the synchronous `gcm(aes)` that
//! opens records arriving whole, if the kernel has one).
//!
//! A choice may end in a placement, `cpus=LIST` (`kcrypto cpus=1`): the device's crypto block
//! ([`crate::block`]) then runs on those CPUs, from the write on. A placement none of whose CPUs
//! is online is refused (`EINVAL`). Reading shows it at the end (` cpus=1`).
//!
//! Kernel-engine flows take their transforms from the device's table of idle key contexts
//! ([`KeyTable`]) and give them back when they end.

#![forbid(unsafe_code)]

mod keys;
mod open;
mod seal;

pub(crate) use keys::KeyTable;
pub(crate) use open::{RxEngine, RxRecord};
pub(crate) use seal::RecordSealer;

use crate::base::cpu;
use crate::base::debugfs::Files;
use crate::base::error::enametoolong;
use crate::base::params;
use crate::base::workqueue::Kick;
use crate::tlsnic_core::{
    engine::{BadSpec, Choice, CpuSet, Spec},
    policy::attr_line,
    stats::{Stat, Stats},
};
use crate::wire::Dice;
use core::sync::atomic::AtomicU32;
use kernel::{
    c_str, fmt, new_mutex,
    prelude::*,
    str::{BStr, CString},
    sync::Mutex,
};

/// The module parameter's engine, checked at module load: `EINVAL` (and a message) if it does
/// not parse or resolve, or if none of its CPUs is online.
pub(crate) fn check_param() -> Result {
    let param = params::engine();
    let choice = Choice::parse(param.as_bytes()).map_err(|_| EINVAL)?;
    check_cpus(choice.cpus)
        .and_then(|()| describe(choice))
        .map(drop)
        .inspect_err(|e| {
            pr_err!("engine={}: refused ({:?})\n", param, e);
        })
}

/// The placement of new devices: the module parameter's (checked at module load).
pub(crate) fn param_cpus() -> Option<CpuSet> {
    Choice::parse(params::engine().as_bytes())
        .ok()
        .and_then(|c| c.cpus)
}

/// `EINVAL` unless a placement has a CPU online now.
fn check_cpus(cpus: Option<CpuSet>) -> Result {
    match cpus {
        Some(set) if !set.iter().any(cpu::online) => Err(EINVAL),
        _ => Ok(()),
    }
}

/// The driver name reported for the soft engine.
pub(crate) const SOFT_DRIVER: &str = "tlsnic-soft-gcm";

/// A device's engine choice.
#[pin_data]
pub(crate) struct Engine {
    /// The validated choice as written (without newline), or `None` for the module
    /// parameter's.
    #[pin]
    choice: Mutex<Option<KVec<u8>>>,
    /// Idle key contexts of the kernel engine.
    #[pin]
    keys: KeyTable,
}

/// The engine a new flow gets.
pub(crate) enum FlowEngine {
    /// The soft engine.
    Soft,
    /// The kernel crypto API; the transmit AEAD algorithm.
    Kcrypto(CString),
}

impl Engine {
    /// The module parameter's engine.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            choice <- new_mutex!(None, "tlsnic_engine"),
            keys <- KeyTable::new(),
        })
    }

    /// A kernel-engine sealer for a new flow on `alg`, keyed with `key`, its asynchronous
    /// completions kicking `kick`: an idle key context of the device if there is one
    /// (`tx_tls_key_ctx_reused`), else new transforms. Process context.
    pub(crate) fn kernel_sealer(
        &self,
        stats: &Stats,
        alg: CString,
        key: &[u8],
        kick: Kick,
    ) -> Result<RecordSealer> {
        match self.keys.take_tx(stats, &alg, key, Some(kick.clone())) {
            Some(ctx) => {
                stats.inc(Stat::TxKeyCtxReused);
                Ok(RecordSealer::Kernel(ctx))
            }
            None => RecordSealer::kernel(alg, key, Some(kick)),
        }
    }

    /// A kernel-engine receive engine for a new flow, keyed with `key`: an idle key context of
    /// the device if there is one (`rx_tls_key_ctx_reused`), else new transforms. Process
    /// context.
    pub(crate) fn kernel_opener(&self, stats: &Stats, key: &[u8]) -> Result<RxEngine> {
        let opener = match self.keys.take_rx(stats, key) {
            Some(ctx) => {
                stats.inc(Stat::RxKeyCtxReused);
                ctx
            }
            None => open::KernelOpener::new(key)?,
        };
        Ok(RxEngine::kernel(opener))
    }

    /// An ended flow's sealer: its kernel key context (if any) is wiped and kept for the next
    /// flow. Call without the flow's lock held (process context).
    pub(crate) fn retire_sealer(&self, stats: &Stats, sealer: Option<seal::KernelSealer>) {
        if let Some(ctx) = sealer {
            self.keys.put_tx(stats, ctx);
        }
    }

    /// An ended flow's receive engine, likewise.
    pub(crate) fn retire_opener(&self, stats: &Stats, opener: Option<open::KernelOpener>) {
        if let Some(ctx) = opener {
            self.keys.put_rx(stats, ctx);
        }
    }

    /// Calls `f` with the current choice.
    fn with_choice<R>(&self, f: impl FnOnce(Choice<'_>) -> Result<R>) -> Result<R> {
        let choice = self.choice.lock();
        let bytes = match choice.as_ref() {
            Some(v) => v.as_slice(),
            None => params::engine().as_bytes(),
        };
        f(Choice::parse(bytes).map_err(|_| EINVAL)?)
    }

    /// The engine for a flow being set up now (process context).
    pub(crate) fn for_flow(&self) -> Result<FlowEngine> {
        self.with_choice(|choice| match choice.engine {
            Spec::Soft => Ok(FlowEngine::Soft),
            Spec::Kcrypto(alg) => Ok(FlowEngine::Kcrypto(alg_name(alg)?)),
        })
    }

    /// The attribute's text.
    pub(crate) fn show(&self) -> Result<CString> {
        self.with_choice(describe)
    }

    /// Applies a write to the attribute and hands its placement to `place` (the device's crypto
    /// block), under the same lock, so that concurrent writes leave the engine and the placement
    /// of the same write. A write that changes the engine (not only the placement) frees the idle
    /// key contexts. On any error (also from `place`) the device keeps its engine, placement and
    /// key contexts.
    pub(crate) fn store(
        &self,
        stats: &Stats,
        input: &[u8],
        place: impl FnOnce(Option<CpuSet>) -> Result,
    ) -> Result {
        let choice = Choice::parse(input).map_err(|e| match e {
            BadSpec::TooLong => enametoolong(),
            BadSpec::UnknownEngine | BadSpec::Arguments | BadSpec::BadByte | BadSpec::CpuList => {
                EINVAL
            }
        })?;
        check_cpus(choice.cpus)?;
        // Resolve now, so that a bad algorithm name fails the write, not later flows.
        describe(choice)?;
        let line = attr_line(input);
        let mut v = KVec::with_capacity(line.len(), GFP_KERNEL)?;
        v.extend_from_slice(line, GFP_KERNEL)?;
        let mut current = self.choice.lock();
        let before = match current.as_ref() {
            Some(v) => v.as_slice(),
            None => params::engine().as_bytes(),
        };
        let changed = Choice::parse(before).map_or(true, |c| c.engine != choice.engine);
        place(choice.cpus)?;
        *current = Some(v);
        drop(current);
        if changed {
            self.keys.clear(stats);
        }
        Ok(())
    }
}

/// `alg` (checked by `Spec::parse`: printable ASCII, no NUL) as a C string.
fn alg_name(alg: &[u8]) -> Result<CString> {
    CString::try_from_fmt(fmt!("{}", BStr::from_bytes(alg)))
}

/// Resolves `choice` with a throwaway key and describes what it resolves to, and where.
fn describe(choice: Choice<'_>) -> Result<CString> {
    let cpus = Placement(choice.cpus);
    match choice.engine {
        Spec::Soft => {
            CString::try_from_fmt(fmt!("soft tx={} rx={}{}\n", SOFT_DRIVER, SOFT_DRIVER, cpus))
        }
        Spec::Kcrypto(alg) => {
            let key = [0u8; 16];
            let sealer = RecordSealer::kernel(alg_name(alg)?, &key, None)?;
            let opener = open::KernelOpener::new(&key)?;
            let n = opener.driver_names();
            CString::try_from_fmt(fmt!(
                "kcrypto {} tx={} rx={}+{}{}{}{}\n",
                BStr::from_bytes(alg),
                sealer.driver_name(),
                n.pieces[0],
                n.pieces[1],
                Part(
                    " rx-nosimd=",
                    n.pieces_nosimd.as_ref().map(|p| (p[0], Some(p[1])))
                ),
                Part(" rx-whole=", n.whole.map(|w| (w, None))),
                cpus,
            ))
        }
    }
}

/// The placement part of the attribute's text: ` cpus=LIST`, or nothing.
struct Placement(Option<CpuSet>);

impl core::fmt::Display for Placement {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(set) => write!(f, " cpus={}", set),
            None => Ok(()),
        }
    }
}

/// An optional part of the attribute's text: `LABEL` and one name, or two joined by `+`.
struct Part<'a>(&'static str, Option<(&'a CStr, Option<&'a CStr>)>);

impl core::fmt::Display for Part<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.1 {
            None => Ok(()),
            Some((a, None)) => write!(f, "{}{}", self.0, a),
            Some((a, Some(b))) => write!(f, "{}{}+{}", self.0, a, b),
        }
    }
}

/// Engine fault injection (debugfs `engine_fault_ppm`): each engine operation (sealing a record,
/// an asynchronous completion, decrypting a frame's share of a record) fails with this
/// probability, as a failing crypto block would. Failures take the error paths: a transmit
/// packet is dropped (`tx_tls_drop_engine`) and retransmitted by TCP, a received frame goes up
/// as it arrived (`rx_tls_engine_err`) for software kTLS to decrypt.
pub(crate) struct EngineFaults {
    ppm: AtomicU32,
    dice: Dice,
}

impl EngineFaults {
    /// No faults.
    pub(crate) const fn new() -> Self {
        Self {
            ppm: AtomicU32::new(0),
            dice: Dice::new(0x3e61_7e3e_61e7_3e61),
        }
    }

    /// Publishes the knob in a debugfs directory.
    pub(crate) fn expose<'a>(&'a self, files: &Files<'a>) {
        files.u32(c_str!("engine_fault_ppm"), &self.ppm);
    }

    /// Whether this operation fails.
    pub(crate) fn hit(&self) -> bool {
        self.dice.roll(&self.ppm)
    }
}
