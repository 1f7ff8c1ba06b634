// SPDX-License-Identifier: GPL-2.0

//! Inline TLS 1.2 AES-GCM transmit offload: the device's record engine.
//!
//! The kernel's `tls` ULP hands the device plaintext records framed as on the wire (header,
//! explicit nonce, plaintext, room for the tag); see `tlsnic_core::tls12`. For each outgoing
//! segment of an offloaded socket the device:
//!
//! 1. finds the record(s) covering the segment's TCP sequence range (`tls_get_record`),
//! 2. makes sure the record is sealed in the flow's record buffer: it encrypts the record once,
//!    reading it from the socket's retransmit queue pages (never modified, referenced while in
//!    use) into the buffer, with the flow's AEAD transform (the kernel crypto API's `gcm(aes)`),
//! 3. builds a new skb with the original's headers whose payload references the sealed record
//!    blocks at the segment's offsets (page fragments; a block is never written again once an skb
//!    references it), or holds a copy of them when the segment crosses more records than an skb
//!    has fragment slots; sends it and frees the original.
//!
//! In-order traffic therefore runs each payload byte through the cipher once: the buffer keeps
//! the last sealed record, so a record split across segments is served from it. A segment of an
//! older record (a retransmission, counted in `tx_tls_ooo`) rebuilds that record from its start
//! (the "crypto state rebuilding" of tls-offload.rst); the next in-order segment rebuilds the
//! current one. Anything that cannot be encrypted is dropped and counted, never sent in clear;
//! TCP retransmits it.

use crate::crypto::{RecordSealer, SealError};
use crate::netdev::{eopnotsupp, Device, Driver, SkBuff};
use crate::tls::{Lookup, TxSkb};
use crate::tlsnic_core::{
    stats::{Stat, Stats},
    tls12::{self, FlowKeys, MarkerCheck, RecordHeader, Reject, Span},
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{c_str, new_spinlock, prelude::*, sync::SpinLock};

/// Whether the resolved engine was reported already.
static ENGINE_REPORTED: AtomicBool = AtomicBool::new(false);

/// Whether the engine-setup failure message was printed already.
static ENGINE_WARNED: AtomicBool = AtomicBool::new(false);

/// The kernel crypto API algorithm the device's record engine uses.
const AEAD_ALG: &kernel::str::CStr = c_str!("gcm(aes)");

/// Transmit state of one offloaded socket.
#[pin_data]
pub(crate) struct TxFlow {
    /// Implicit part of every record's nonce.
    salt: [u8; tls12::SALT_LEN],
    /// Engine and record buffer. Taken only in the transmit path (softirq or BH disabled).
    #[pin]
    state: SpinLock<TxState>,
}

struct TxState {
    sealer: RecordSealer,
    /// The record sealed in `sealer`'s buffer, if any.
    cached: Option<Span>,
    /// One past the highest sequence number sent, to recognise retransmissions.
    high_seq: u32,
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

/// Creates the transmit state of a flow (`tls_dev_add`, transmit direction).
pub(crate) fn add_tx(
    stats: &Stats,
    crypto_info: &[u8],
    start_seq: u32,
) -> Result<Pin<KBox<TxFlow>>> {
    let keys = parse_keys(crypto_info).inspect_err(|_| stats.inc(Stat::TxFallback))?;
    let sealer = RecordSealer::new(AEAD_ALG, keys.key.expose()).inspect_err(|e| {
        stats.inc(Stat::TxFallback);
        // Once per module load: a socket owner must not be able to flood the log.
        if !ENGINE_WARNED.swap(true, Ordering::Relaxed) {
            pr_warn!(
                "{} unavailable ({:?}): flows stay in software kTLS\n",
                AEAD_ALG,
                e
            );
        }
    })?;
    if !ENGINE_REPORTED.swap(true, Ordering::Relaxed) {
        pr_info!(
            "TX engine: kernel crypto {} -> {}\n",
            AEAD_ALG,
            sealer.driver_name()
        );
    }
    let flow = KBox::pin_init(
        pin_init!(TxFlow {
            salt: keys.salt,
            state <- new_spinlock!(TxState {
                sealer,
                cached: None,
                high_seq: start_seq,
            }),
        }),
        GFP_KERNEL,
    )
    .inspect_err(|_| stats.inc(Stat::TxFallback))?;
    // `keys` (and with it the key bytes) is wiped here; the transform keeps its own schedule.
    drop(keys);

    stats.inc(Stat::TxCtx);
    stats.inc(Stat::TxCtxLive);
    Ok(flow)
}

/// Destroys the transmit state of a flow (`tls_dev_del`). Dropping the flow waits for an
/// asynchronous engine request, frees the transform and wipes the record buffer.
pub(crate) fn del_tx(stats: &Stats, flow: Pin<KBox<TxFlow>>) {
    drop(flow);
    stats.inc(Stat::TxDel);
    stats.dec(Stat::TxCtxLive);
}

/// `tls_dev_resync` for transmit. tlsnic never asks the core for a transmit resync (it rebuilds
/// records instead), so this only counts.
pub(crate) fn resync_tx(stats: &Stats) -> Result {
    stats.inc(Stat::TxResync);
    Ok(())
}

/// Why a segment was not encrypted.
enum DropReason {
    /// Its first byte precedes the start of offload (the start marker ends at this sequence
    /// number): it was encrypted in software, and goes out untouched if wholly before it.
    BeforeOffload(u32),
    NoSync,
    Bypass,
    BadRecord,
    Engine,
    NoMem,
}

impl DropReason {
    fn stat(&self) -> Stat {
        match self {
            DropReason::NoSync => Stat::TxDropNoSyncData,
            // Only reaches the counters when the marker shows up inside a segment.
            DropReason::Bypass | DropReason::BeforeOffload(_) => Stat::TxDropBypassReq,
            DropReason::BadRecord => Stat::TxDropBadRecord,
            DropReason::Engine => Stat::TxDropEngine,
            DropReason::NoMem => Stat::TxDropNoMem,
        }
    }
}

/// Transmit hook: returns the skb to put on the wire (the original, or its encrypted copy), or
/// `None` if it was dropped (counted).
pub(crate) fn xmit<T: Driver<TxFlow = TxFlow>>(dev: &Device<T>, skb: SkBuff) -> Option<SkBuff> {
    let stats = T::stats(dev);
    let Some(tx) = skb.tls_tx(dev) else {
        return Some(skb);
    };
    if tx.payload_len() == 0 {
        return Some(skb);
    }
    match encrypt(&skb, &tx, stats) {
        Ok(Some(out)) => {
            stats.inc(Stat::TxEncryptedPackets);
            stats.add(Stat::TxEncryptedBytes, u64::from(tx.payload_len()));
            skb.consume();
            Some(out)
        }
        Ok(None) => {
            stats.inc(Stat::TxSkipNoSyncData);
            Some(skb)
        }
        Err(why) => {
            stats.inc(why.stat());
            None
        }
    }
}

/// Builds the encrypted copy of `skb`; `Ok(None)` when the segment precedes the start of
/// offload and goes out as it is.
fn encrypt(
    skb: &SkBuff,
    tx: &TxSkb<'_, TxFlow>,
    stats: &Stats,
) -> Result<Option<SkBuff>, DropReason> {
    let flow = tx.flow();
    let seg = Span {
        start: tx.seq(),
        len: tx.payload_len(),
    };
    let mut st = flow.state.lock();
    if tls12::seq_before(seg.start, st.high_seq) {
        stats.inc(Stat::TxOoo);
    }
    // Seal the record holding the first byte, unless it is the cached one. The same lookup
    // finds data queued before offload started, which was encrypted in software.
    if !st.cached.is_some_and(|c| c.contains(seg.start)) {
        match load_and_seal(&mut st, tx, seg.start, &flow.salt, stats) {
            Ok(_) => {}
            Err(DropReason::BeforeOffload(end_seq)) => {
                return match tls12::check_marker(seg.start, seg.len, end_seq) {
                    MarkerCheck::Bypass => Ok(None),
                    MarkerCheck::Mixed => Err(DropReason::Bypass),
                };
            }
            Err(e) => return Err(e),
        }
    }
    if !skb.csum_partial() {
        // Rewriting the payload would invalidate a checksum already computed in software.
        return Err(DropReason::BadRecord);
    }
    // Bulk segments reference the sealed record blocks (no copy of the payload); a segment that
    // crosses more records than an skb has fragment slots (tiny records) is copied instead.
    let out = match build(&mut st, skb, tx, seg, &flow.salt, stats, true)? {
        Some(out) => out,
        None => {
            build(&mut st, skb, tx, seg, &flow.salt, stats, false)?.ok_or(DropReason::BadRecord)?
        }
    };
    if !tls12::seq_before(seg.end(), st.high_seq) {
        st.high_seq = seg.end();
    }
    Ok(Some(out))
}

/// Builds the encrypted copy of segment `seg`, by reference to the record blocks (`frags`) or
/// by copying. `Ok(None)`: fragment slots ran out (fragment mode only).
fn build(
    st: &mut TxState,
    skb: &SkBuff,
    tx: &TxSkb<'_, TxFlow>,
    seg: Span,
    salt: &[u8; tls12::SALT_LEN],
    stats: &Stats,
    frags: bool,
) -> Result<Option<SkBuff>, DropReason> {
    let mut out = skb
        .copy_for_rewrite(tx.hdr_len(), frags)
        .ok_or(DropReason::NoMem)?;
    let mut pos = 0u32;
    while pos < seg.len {
        let seq = seg.start.wrapping_add(pos);
        let rec = match st.cached {
            Some(span) if span.contains(seq) => span,
            _ => load_and_seal(st, tx, seq, salt, stats)?,
        };
        let n = rec.take_from(seq, seg.len - pos);
        let off = rec.offset_of(seq) as usize;
        if frags {
            let page = st.sealer.page().map_err(|_| DropReason::Engine)?;
            if !out.append_page(page, off, n) {
                return Ok(None);
            }
        } else {
            let sealed = st.sealer.record().map_err(|_| DropReason::Engine)?;
            if !out.append(&sealed[off..off + n as usize]) {
                return Err(DropReason::BadRecord);
            }
        }
        pos += n;
    }
    out.into_skb().map(Some).ok_or(DropReason::BadRecord)
}

/// Seals the record holding `seq` into the record buffer, reading it from the socket's pages.
fn load_and_seal(
    st: &mut TxState,
    tx: &TxSkb<'_, TxFlow>,
    seq: u32,
    salt: &[u8; tls12::SALT_LEN],
    stats: &Stats,
) -> Result<Span, DropReason> {
    st.cached = None;
    let (span, rcd_sn, pages) = tx.with_record(seq, |l| match l {
        Lookup::Missing => Err(DropReason::NoSync),
        Lookup::Marker { end_seq } => Err(DropReason::BeforeOffload(end_seq)),
        Lookup::Record(r) => {
            let span = Span {
                start: r.start_seq(),
                len: r.len(),
            };
            if !span.contains(seq) {
                return Err(DropReason::NoSync);
            }
            if span.len as usize > tls12::MAX_RECORD {
                return Err(DropReason::BadRecord);
            }
            let pages = r.pages().ok_or(DropReason::BadRecord)?;
            Ok((span, r.rcd_sn(), pages))
        }
    })?;
    // Header and explicit nonce, to check the framing and build the nonce and AAD.
    let mut prepend = [0u8; tls12::PREPEND_LEN];
    if !pages.copy_prefix(&mut prepend) {
        return Err(DropReason::BadRecord);
    }
    let hdr =
        RecordHeader::parse(&prepend, span.len as usize).map_err(|_| DropReason::BadRecord)?;
    let nonce = tls12::nonce(salt, &prepend[tls12::HEADER_LEN..]);
    st.sealer
        .seal_pages(pages, &prepend, &hdr.aad(rcd_sn), &nonce)
        .map_err(|e| match e {
            SealError::Busy | SealError::Pending | SealError::Failed => DropReason::Engine,
            SealError::NoMem => DropReason::NoMem,
        })?;
    stats.inc(Stat::TxCipherRecords);
    stats.add(Stat::TxCipherBytes, hdr.plaintext_len as u64);
    st.cached = Some(span);
    Ok(span)
}
