// SPDX-License-Identifier: GPL-2.0

//! What transmit and receive flows share: parsing the key material the TLS core hands over,
//! counting the module's live flow objects, reporting the engines, and counting the flows that
//! stay on software kTLS.

#![forbid(unsafe_code)]

use crate::base::error::eopnotsupp;
use crate::base::net::tls::Direction;
use crate::tlsnic_core::{
    stats::{Stat, Stats},
    tls12::{FlowKeys, Reject},
};
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::prelude::*;

/// Flow objects (TX and RX) of all devices that still exist, in debugfs as
/// `/sys/kernel/debug/tlsnic/flows_live`: 0 once every context is freed, also after the devices
/// that held them are gone.
pub(crate) static FLOWS_LIVE: AtomicU64 = AtomicU64::new(0);

/// Counts one flow object in [`FLOWS_LIVE`] for as long as it exists.
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Self {
        FLOWS_LIVE.fetch_add(1, Ordering::Relaxed);
        Self(())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        FLOWS_LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Parses a flow's `crypto_info` (either direction): `EOPNOTSUPP` for a version or cipher the
/// device does not offload, `EINVAL` for malformed input. Either way the socket stays on
/// software kTLS.
pub(crate) fn parse_keys(crypto_info: &[u8]) -> Result<FlowKeys> {
    FlowKeys::parse(crypto_info).map_err(|e| match e {
        Reject::Truncated => EINVAL,
        Reject::Version(_) | Reject::Cipher(_) => eopnotsupp(),
    })
}

/// Counts a flow of direction `dir` that the device did not take: it stays on software kTLS.
pub(crate) fn fallback(stats: &Stats, dir: Direction) {
    stats.inc(match dir {
        Direction::Tx => Stat::TxFallback,
        Direction::Rx => Stat::RxFallback,
    });
}

/// Once per module load and direction: the engine implementations the first flow resolved to,
/// and the first engine that could not be set up.
static REPORTED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];
static WARNED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

fn index(dir: Direction) -> usize {
    match dir {
        Direction::Tx => 0,
        Direction::Rx => 1,
    }
}

/// Logs the engine of direction `dir` (`TX engine: ...`), once per module load.
pub(crate) fn report_engine(dir: Direction, engine: fmt::Arguments<'_>) {
    if !REPORTED[index(dir)].swap(true, Ordering::Relaxed) {
        pr_info!("{} engine: {}\n", name(dir), engine);
    }
}

/// Counts a flow whose engine could not be set up and warns, once per module load and
/// direction: a socket owner must not be able to flood the log.
pub(crate) fn engine_unavailable(stats: &Stats, dir: Direction, err: Error) {
    fallback(stats, dir);
    if !WARNED[index(dir)].swap(true, Ordering::Relaxed) {
        pr_warn!(
            "{} engine unavailable ({:?}): flows stay in software kTLS\n",
            name(dir),
            err
        );
    }
}

fn name(dir: Direction) -> &'static str {
    match dir {
        Direction::Tx => "TX",
        Direction::Rx => "RX",
    }
}
