// SPDX-License-Identifier: GPL-2.0

//! Per-device crypto engine selection (`/sys/class/net/DEV/tlsnic/engine`, module parameter
//! `engine`).
//!
//! A device starts with the module parameter's engine. Writing the attribute picks the engine of
//! flows set up afterwards; live flows keep theirs. A `kcrypto` choice is checked when written:
//! the named transform (and the receive transforms) must resolve and accept a 16-byte key and a
//! 12-byte IV, or the write fails (`ENOENT` for an unknown algorithm, `EINVAL` otherwise) and
//! the device keeps its engine. Reading shows the choice and the implementations it resolves to
//! now, e.g. `kcrypto gcm(aes) tx=generic-gcm-aesni rx=ctr(aes-aesni)+ghash-generic
//! rx-whole=__generic-gcm-aesni` (`rx-whole`: the synchronous `gcm(aes)` that opens records
//! arriving whole, if the kernel has one).

#![forbid(unsafe_code)]

mod open;
mod seal;

pub(crate) use open::{RxEngine, RxRecord};
pub(crate) use seal::RecordSealer;

use crate::base::debugfs::Files;
use crate::base::error::enametoolong;
use crate::base::params;
use crate::tlsnic_core::engine::{BadSpec, Spec};
use crate::wire::Dice;
use core::sync::atomic::AtomicU32;
use kernel::{
    c_str, fmt, new_mutex,
    prelude::*,
    str::{BStr, CString},
    sync::Mutex,
};

/// The module parameter's engine, checked at module load: `EINVAL` (and a message) if it does
/// not parse or resolve.
pub(crate) fn check_param() -> Result {
    let param = params::engine();
    let spec = Spec::parse(param.as_bytes()).map_err(|_| EINVAL)?;
    describe(spec).map(drop).inspect_err(|e| {
        pr_err!("engine={}: does not resolve ({:?})\n", param, e);
    })
}

/// The driver name reported for the soft engine.
pub(crate) const SOFT_DRIVER: &str = "tlsnic-soft-gcm";

/// A device's engine choice.
#[pin_data]
pub(crate) struct Engine {
    /// The validated spec as written (without newline), or `None` for the module parameter's.
    #[pin]
    choice: Mutex<Option<KVec<u8>>>,
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
        })
    }

    /// Calls `f` with the current spec.
    fn with_spec<R>(&self, f: impl FnOnce(Spec<'_>) -> Result<R>) -> Result<R> {
        let choice = self.choice.lock();
        let bytes = match choice.as_ref() {
            Some(v) => v.as_slice(),
            None => params::engine().as_bytes(),
        };
        f(Spec::parse(bytes).map_err(|_| EINVAL)?)
    }

    /// The engine for a flow being set up now (process context).
    pub(crate) fn for_flow(&self) -> Result<FlowEngine> {
        self.with_spec(|spec| match spec {
            Spec::Soft => Ok(FlowEngine::Soft),
            Spec::Kcrypto(alg) => Ok(FlowEngine::Kcrypto(alg_name(alg)?)),
        })
    }

    /// The attribute's text.
    pub(crate) fn show(&self) -> Result<CString> {
        self.with_spec(describe)
    }

    /// Applies a write to the attribute. On any error the device keeps its engine.
    pub(crate) fn store(&self, input: &[u8]) -> Result {
        let spec = Spec::parse(input).map_err(|e| match e {
            BadSpec::TooLong => enametoolong(),
            BadSpec::UnknownEngine | BadSpec::Arguments | BadSpec::BadByte => EINVAL,
        })?;
        // Resolve now, so that a bad algorithm name fails the write, not later flows.
        describe(spec)?;
        let canonical = match spec {
            Spec::Soft => &b"soft"[..],
            Spec::Kcrypto(_) => input
                .split(|&b| b == b'\n' || b == 0)
                .next()
                .unwrap_or_default(),
        };
        let mut v = KVec::with_capacity(canonical.len(), GFP_KERNEL)?;
        v.extend_from_slice(canonical, GFP_KERNEL)?;
        *self.choice.lock() = Some(v);
        Ok(())
    }
}

/// `alg` (checked by `Spec::parse`: printable ASCII, no NUL) as a C string.
fn alg_name(alg: &[u8]) -> Result<CString> {
    CString::try_from_fmt(fmt!("{}", BStr::from_bytes(alg)))
}

/// Resolves `spec` with a throwaway key and describes what it resolves to.
fn describe(spec: Spec<'_>) -> Result<CString> {
    match spec {
        Spec::Soft => CString::try_from_fmt(fmt!("soft tx={} rx={}\n", SOFT_DRIVER, SOFT_DRIVER)),
        Spec::Kcrypto(alg) => {
            let name = alg_name(alg)?;
            let key = [0u8; 16];
            let sealer = RecordSealer::kernel(&name, &key, None)?;
            let opener = open::KernelOpener::new(&key)?;
            let (ctr, ghash, whole) = opener.driver_names();
            let (label, whole) =
                whole.map_or((c_str!(""), c_str!("")), |w| (c_str!(" rx-whole="), w));
            CString::try_from_fmt(fmt!(
                "kcrypto {} tx={} rx={}+{}{}{}\n",
                &*name,
                sealer.driver_name(),
                ctr,
                ghash,
                label,
                whole
            ))
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
