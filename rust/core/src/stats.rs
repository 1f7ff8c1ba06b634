// SPDX-License-Identifier: GPL-2.0

//! Per-device offload counters, as reported by `ethtool -S`.
//!
//! The names marked "(tls-offload.rst)" are the ones `Documentation/networking/tls-offload.rst`
//! asks every TLS offload driver to report; the rest are tlsnic's own.

use core::sync::atomic::{AtomicU64, Ordering};

macro_rules! stats {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// One counter.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(usize)]
        pub enum Stat {
            $($(#[$doc])* $variant,)*
        }

        /// Counter names, indexed by [`Stat`], as `ethtool -S` prints them.
        pub const NAMES: &[&str] = &[$($name,)*];
    };
}

stats! {
    /// TX records/packets encrypted by the device (tls-offload.rst).
    TxEncryptedPackets = "tx_tls_encrypted_packets",
    /// TX payload bytes sent encrypted (tls-offload.rst).
    TxEncryptedBytes = "tx_tls_encrypted_bytes",
    /// TX offload contexts created (tls-offload.rst).
    TxCtx = "tx_tls_ctx",
    /// TX packets that did not arrive in the expected order: retransmissions (tls-offload.rst).
    TxOoo = "tx_tls_ooo",
    /// TX packets dropped because their record could not be found (tls-offload.rst).
    TxDropNoSyncData = "tx_tls_drop_no_sync_data",
    /// TX packets before the start of offload, sent as they were (tls-offload.rst).
    TxSkipNoSyncData = "tx_tls_skip_no_sync_data",
    /// TX packets dropped because they mixed software- and device-encrypted data
    /// (tls-offload.rst).
    TxDropBypassReq = "tx_tls_drop_bypass_req",
    /// TX offload contexts destroyed.
    TxDel = "tx_tls_del",
    /// TX resync calls from the core.
    TxResync = "tx_tls_resync",
    /// Flows that asked for TX offload and were left on software kTLS (unsupported version or
    /// cipher, engine setup failure).
    TxFallback = "tx_tls_fallback",
    /// TX plaintext bytes run through the cipher (compare with `tx_tls_encrypted_bytes`).
    TxCipherBytes = "tx_tls_cipher_bytes",
    /// TX records encrypted (each costs one pass of the cipher over its plaintext).
    TxCipherRecords = "tx_tls_cipher_records",
    /// TX packets dropped because a record's framing was invalid.
    TxDropBadRecord = "tx_tls_drop_bad_record",
    /// TX packets dropped because the engine failed or was busy (never sent in clear).
    TxDropEngine = "tx_tls_drop_engine",
    /// TX packets dropped because no memory was available for the encrypted copy.
    TxDropNoMem = "tx_tls_drop_nomem",
    /// TX offload contexts currently alive on this device.
    TxCtxLive = "tx_tls_ctx_live",
    /// RX packets of offloaded flows delivered decrypted (tls-offload.rst).
    RxDecryptedPackets = "rx_tls_decrypted_packets",
    /// RX payload bytes of the packets delivered decrypted (tls-offload.rst).
    RxDecryptedBytes = "rx_tls_decrypted_bytes",
    /// RX offload contexts created.
    RxCtx = "rx_tls_ctx",
    /// RX offload contexts destroyed.
    RxDel = "rx_tls_del",
    /// RX offload contexts currently alive on this device.
    RxCtxLive = "rx_tls_ctx_live",
    /// RX records authenticated by the device.
    RxRecords = "rx_tls_records",
    /// RX records the engine opened in one operation, whole in one frame, whether their tag
    /// matched or not (kcrypto engine).
    RxRecordsWhole = "rx_tls_records_whole",
    /// RX records among those that the engine opened in one operation across two of the
    /// device's buffers: a page block ended inside the record's copy (kcrypto engine).
    RxRecordsWholeSplit = "rx_tls_records_whole_split",
    /// RX flows whose socket already held data past the first record when they were set up:
    /// the device started at the first record on the wire after it.
    RxStartQueued = "rx_tls_start_queued",
    /// RX records whose tag did not match: passed up as received, for the core to reject.
    RxErr = "rx_tls_err",
    /// RX packets of offloaded flows passed up as received (not decrypted).
    RxSkip = "rx_tls_skip",
    /// RX times the device lost sync with a flow (loss, reordering, bad header).
    RxOoo = "rx_tls_ooo",
    /// RX resync points received from the core (tls_dev_resync), in every mode (in the
    /// driver-request modes: the core's confirmations).
    RxResyncReq = "rx_tls_resync_req",
    /// RX times decryption resumed at a resync point.
    RxResyncOk = "rx_tls_resync_ok",
    /// RX resumptions of flows in the next-hint resync mode (`rx_tls_resync_ok` by mode).
    RxResyncOkHint = "rx_tls_resync_ok_hint",
    /// RX resumptions of flows in the driver-req resync mode.
    RxResyncOkDrvReq = "rx_tls_resync_ok_drv_req",
    /// RX resumptions of flows in the driver-req-async resync mode.
    RxResyncOkAsync = "rx_tls_resync_ok_async",
    /// RX resync requests the device made (`tls_offload_rx_resync_request`, driver-req).
    RxResyncDrvReq = "rx_tls_resync_drv_req",
    /// RX asynchronous resync windows the device opened
    /// (`tls_offload_rx_resync_async_request_start`, driver-req-async).
    RxResyncAsyncStart = "rx_tls_resync_async_start",
    /// RX asynchronous windows the device ended with a header
    /// (`tls_offload_rx_resync_async_request_end`).
    RxResyncAsyncEnd = "rx_tls_resync_async_end",
    /// RX asynchronous windows the device cancelled
    /// (`tls_offload_rx_resync_async_request_cancel`).
    RxResyncAsyncCancel = "rx_tls_resync_async_cancel",
    /// RX packets that could not be decrypted for lack of memory (passed up as received).
    RxNoMem = "rx_tls_nomem",
    /// Flows that asked for RX offload and were left on software kTLS.
    RxFallback = "rx_tls_fallback",
    /// TX flows the BPF policy program selected for offload.
    TxPolicyOffload = "tx_tls_policy_offload",
    /// TX flows the BPF policy program left on software kTLS.
    TxPolicyReject = "tx_tls_policy_reject",
    /// RX flows the BPF policy program selected for offload.
    RxPolicyOffload = "rx_tls_policy_offload",
    /// RX flows the BPF policy program left on software kTLS.
    RxPolicyReject = "rx_tls_policy_reject",
    /// TX flows set up on the soft engine (the device model's AES-GCM).
    TxEngineSoft = "tx_tls_engine_soft",
    /// TX flows set up on the kernel crypto API engine.
    TxEngineKcrypto = "tx_tls_engine_kcrypto",
    /// RX flows set up on the soft engine.
    RxEngineSoft = "rx_tls_engine_soft",
    /// RX flows set up on the kernel crypto API engine.
    RxEngineKcrypto = "rx_tls_engine_kcrypto",
    /// TX flows on the kernel crypto API engine set up on an idle key context of the device
    /// (rekeyed) instead of newly allocated transforms.
    TxKeyCtxReused = "tx_tls_key_ctx_reused",
    /// RX flows likewise.
    RxKeyCtxReused = "rx_tls_key_ctx_reused",
    /// Idle key contexts the device keeps (gauge; both directions).
    KeyCtxIdle = "tls_key_ctx_idle",
    /// TX records whose encryption completed asynchronously.
    TxAsyncRecords = "tx_tls_async_records",
    /// TX packets that waited in the device's queue for an asynchronous engine.
    TxAsyncQueued = "tx_tls_async_queued",
    /// TX packets sent from the device's queue once their records were encrypted.
    TxAsyncSent = "tx_tls_async_sent",
    /// TX packets dropped because the device's queue for the asynchronous engine was full (or
    /// the device went down, or the flow went away, while they waited).
    TxDropAsync = "tx_tls_drop_async",
    /// TX packets waiting in the device's queue now.
    TxAsyncPending = "tx_tls_async_pending",
    /// TX resync requests the device made (`tls_offload_tx_resync_request`, request mode).
    TxResyncReq = "tx_tls_resync_req",
    /// TX records the device sealed at the core's resync point after a loss (request mode): it
    /// resumed there.
    TxResyncOk = "tx_tls_resync_ok",
    /// TX segments dropped because the record number the device counted differs from the
    /// socket's record list (request mode; a device bug if ever nonzero: never sent).
    TxDropRcdSnMismatch = "tx_tls_drop_rcd_sn_mismatch",
    /// TX segments the device handed to the kernel's software fallback (`tls_encrypt_skb`,
    /// request mode): those its context cannot place (behind it, or while it is lost), and
    /// those from before the start of offload, which the fallback returns as they are.
    TxSwFallback = "tx_tls_sw_fallback",
    /// TX segments the kernel's software fallback could not encrypt: dropped.
    TxDropSwFallback = "tx_tls_drop_sw_fallback",
    /// RX packets passed up as received because the engine failed.
    RxEngineErr = "rx_tls_engine_err",
    /// Frames dropped on the wire by fault injection (debugfs `drop_ppm`).
    WireDrop = "wire_drop",
    /// Frames delayed behind the next frame by fault injection (debugfs `reorder_ppm`).
    WireReorder = "wire_reorder",
    /// Frames sent twice by fault injection (debugfs `duplicate_ppm`).
    WireDuplicate = "wire_duplicate",
    /// Frames with one payload byte flipped by fault injection (debugfs `corrupt_ppm`).
    WireCorrupt = "wire_corrupt",
    /// Frames this device transmitted through its crypto block on a CPU set (`cpus=`).
    BlockTxFrames = "block_tx_frames",
    /// Frames this device received through its crypto block on a CPU set.
    BlockRxFrames = "block_rx_frames",
    /// Frames dropped because the crypto block's queue was full or the device went down while
    /// they waited (TCP retransmits them).
    BlockDrop = "block_drop",
    /// Frames this device received through its NAPI poll, steered to its interrupt CPUs
    /// (`irq_cpus`).
    RxIrqFrames = "rx_irq_frames",
    /// Interrupts this device raised on another CPU (cross-CPU calls that scheduled its NAPI
    /// poll there).
    RxIrqIpis = "rx_irq_ipis",
    /// Frames dropped because the device's receive ring was full or the device was down or went
    /// down while they waited (TCP retransmits them).
    RxIrqDrop = "rx_irq_drop",
    /// Frames this device's XDP program ran on (native XDP, before receive TLS offload).
    XdpPackets = "rx_xdp_packets",
    /// Bytes of the frames this device's XDP program ran on.
    XdpBytes = "rx_xdp_bytes",
    /// Frames the XDP program passed to the stack (`XDP_PASS`).
    XdpPass = "rx_xdp_pass",
    /// Frames the XDP program dropped (`XDP_DROP`).
    XdpDrop = "rx_xdp_drop",
    /// Frames the XDP program sent back out of this device (`XDP_TX`).
    XdpTx = "rx_xdp_tx",
    /// `XDP_TX` frames lost because the device's XDP transmit queue was full or it was down.
    XdpTxErrors = "rx_xdp_tx_errors",
    /// Frames the XDP program redirected (`XDP_REDIRECT`) and the target took.
    XdpRedirect = "rx_xdp_redirect",
    /// `XDP_REDIRECT` frames the target refused (traced by `xdp:xdp_redirect_err`).
    XdpRedirectErrors = "rx_xdp_redirect_errors",
    /// Frames the XDP program aborted (`XDP_ABORTED`) or gave an invalid action (traced by
    /// `xdp:xdp_exception`).
    XdpAborted = "rx_xdp_aborted",
    /// Frames dropped before the XDP program because they do not fit one buffer (tlsnic builds
    /// no multi-buffer frames).
    XdpOversize = "rx_xdp_oversize",
    /// Frames dropped before or after the XDP program for want of memory.
    XdpNoMem = "rx_xdp_nomem",
    /// XDP frames other devices redirected to this one (`ndo_xdp_xmit`) that it took to send.
    XdpXmit = "tx_xdp_xmit",
    /// XDP frames this device refused or dropped on their way to the wire (queue full, down).
    XdpXmitErrors = "tx_xdp_xmit_errors",
}

/// Number of counters.
pub const COUNT: usize = NAMES.len();

/// The counters of one device. Relaxed atomics: each value is exact, the set is not a
/// snapshot.
pub struct Stats {
    vals: [AtomicU64; COUNT],
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

impl Stats {
    /// All zero.
    pub const fn new() -> Self {
        Self {
            vals: [const { AtomicU64::new(0) }; COUNT],
        }
    }

    /// Adds `n` to `stat`.
    pub fn add(&self, stat: Stat, n: u64) {
        self.vals[stat as usize].fetch_add(n, Ordering::Relaxed);
    }

    /// Adds one to `stat`.
    pub fn inc(&self, stat: Stat) {
        self.add(stat, 1);
    }

    /// Subtracts one from a gauge.
    pub fn dec(&self, stat: Stat) {
        self.sub(stat, 1);
    }

    /// Subtracts `n` from a gauge.
    pub fn sub(&self, stat: Stat, n: u64) {
        self.vals[stat as usize].fetch_sub(n, Ordering::Relaxed);
    }

    /// Current value of `stat`.
    pub fn get(&self, stat: Stat) -> u64 {
        self.vals[stat as usize].load(Ordering::Relaxed)
    }

    /// Copies every counter into `out` (in [`NAMES`] order); returns how many were written.
    pub fn fill(&self, out: &mut [u64]) -> usize {
        let n = out.len().min(COUNT);
        for (o, v) in out[..n].iter_mut().zip(&self.vals) {
            *o = v.load(Ordering::Relaxed);
        }
        n
    }
}

/// `ETH_GSTRING_LEN`: each name must fit with its terminating NUL.
pub const GSTRING_LEN: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_are_unique() {
        for (i, a) in NAMES.iter().enumerate() {
            assert!(a.len() < GSTRING_LEN, "{a}");
            assert!(a
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
            for b in &NAMES[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(NAMES[Stat::TxCtxLive as usize], "tx_tls_ctx_live");
        assert_eq!(NAMES[Stat::TxOoo as usize], "tx_tls_ooo");
    }

    #[test]
    fn counts() {
        let s = Stats::new();
        s.inc(Stat::TxCtx);
        s.add(Stat::TxEncryptedBytes, 10);
        s.inc(Stat::TxCtxLive);
        s.dec(Stat::TxCtxLive);
        let mut out = [0u64; COUNT];
        assert_eq!(s.fill(&mut out), COUNT);
        assert_eq!(out[Stat::TxCtx as usize], 1);
        assert_eq!(out[Stat::TxEncryptedBytes as usize], 10);
        assert_eq!(out[Stat::TxCtxLive as usize], 0);
    }
}
