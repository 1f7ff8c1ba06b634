// SPDX-License-Identifier: GPL-2.0

//! Kernel TLS device offload (`include/net/tls.h`): the socket's TLS context, the transmit
//! offload context and its record list, and the transmit view of an offloaded skb.
//!
//! Part of the abstraction layer (this file holds `unsafe` code); the driver logic in
//! `offload.rs` only sees the safe types below. The contract is
//! `Documentation/networking/tls-offload.rst`.

use crate::base::bindings;
use crate::base::netdev::{Device, Driver, SkBuff};
use core::{ffi::c_void, pin::Pin, ptr::NonNull};
use kernel::{prelude::*, types::Opaque};

/// Offload direction (`enum tls_offload_ctx_dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Transmit: the device encrypts.
    Tx,
    /// Receive: the device decrypts.
    Rx,
}

impl Direction {
    /// From the C enum value; `None` for anything else.
    pub(crate) fn from_raw(dir: u32) -> Option<Self> {
        match dir as i32 {
            bindings::TLSNIC_TLS_DIR_TX => Some(Self::Tx),
            bindings::TLSNIC_TLS_DIR_RX => Some(Self::Rx),
            _ => None,
        }
    }

    fn as_raw(self) -> i32 {
        match self {
            Self::Tx => bindings::TLSNIC_TLS_DIR_TX,
            Self::Rx => bindings::TLSNIC_TLS_DIR_RX,
        }
    }
}

/// A socket's TLS context (`struct tls_context`).
#[repr(transparent)]
pub(crate) struct TlsContext(Opaque<bindings::tls_context>);

impl TlsContext {
    /// # Safety
    ///
    /// `ptr` must point to a live `tls_context` for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::tls_context) -> &'a Self {
        // SAFETY: `TlsContext` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::tls_context {
        self.0.get()
    }

    /// The driver-state slot of direction `dir`, where tlsnic keeps its flow pointer.
    ///
    /// # Safety
    ///
    /// The offload context of `dir` must exist (the core creates it before `tls_dev_add` and
    /// frees it after `tls_dev_del`).
    unsafe fn slot(&self, dir: Direction) -> *mut *mut c_void {
        // SAFETY: per the function's contract; the slot is at least pointer-sized and
        // 8-byte aligned (`TLS_DRIVER_STATE_SIZE_{TX,RX}`, `__aligned(8)`).
        unsafe { bindings::tlsnic_tls_driver_state(self.as_raw(), dir.as_raw()) }
    }

    /// Stores `flow` in the driver-state slot of `dir`.
    ///
    /// # Safety
    ///
    /// As [`Self::slot`]; the slot must be empty and only ever hold `Pin<KBox<F>>` of this `F`.
    pub(crate) unsafe fn store_flow<F>(&self, dir: Direction, flow: Pin<KBox<F>>) {
        // SAFETY: the box is turned into a raw pointer and back only in `take_flow`; the pointee
        // is never moved (it stays pinned in its allocation).
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(flow) });
        // SAFETY: per the function's contract.
        unsafe { *self.slot(dir) = raw.cast() };
    }

    /// Takes the flow out of the slot of `dir`, leaving it empty.
    ///
    /// # Safety
    ///
    /// As [`Self::store_flow`]; nobody may use the flow any more (`tls_dev_del`).
    pub(crate) unsafe fn take_flow<F>(&self, dir: Direction) -> Option<Pin<KBox<F>>> {
        // SAFETY: per the function's contract.
        let slot = unsafe { &mut *self.slot(dir) };
        let raw = NonNull::new(core::mem::replace(slot, core::ptr::null_mut()))?;
        // SAFETY: `raw` came from `store_flow` with the same `F` and was pinned there.
        Some(unsafe { Pin::new_unchecked(KBox::from_raw(raw.as_ptr().cast::<F>())) })
    }

    /// The flow in the slot of `dir`.
    ///
    /// # Safety
    ///
    /// As [`Self::store_flow`]; the flow must stay in the slot for `'a`.
    pub(crate) unsafe fn flow<'a, F>(&self, dir: Direction) -> Option<&'a F> {
        // SAFETY: per the function's contract.
        let raw = unsafe { *self.slot(dir) };
        // SAFETY: a non-null slot holds a live, pinned `F` (shared access only).
        NonNull::new(raw.cast::<F>()).map(|p| unsafe { &*p.as_ptr() })
    }

    /// The transmit offload context.
    ///
    /// # Safety
    ///
    /// The socket's transmit side must be device-offloaded (`tx_conf == TLS_HW`).
    unsafe fn offload_tx(&self) -> &TxOffload {
        // SAFETY: per the function's contract the pointer is a live offload context, which lives
        // as long as the TLS context.
        unsafe { &*bindings::tlsnic_tls_offload_ctx_tx(self.as_raw()).cast::<TxOffload>() }
    }
}

/// The transmit offload context (`struct tls_offload_context_tx`): the list of records the
/// socket has handed to TCP and not yet seen acknowledged.
#[repr(transparent)]
pub(crate) struct TxOffload(Opaque<bindings::tls_offload_context_tx>);

/// Result of looking up the record that holds a TCP sequence number.
pub(crate) enum Lookup<'a> {
    /// No record holds it (already acknowledged and freed, or never sent).
    Missing,
    /// It precedes the start of offload: the start marker, ending at `end_seq`.
    Marker {
        /// First sequence number handed to the device.
        end_seq: u32,
    },
    /// A record, valid while the offload context's lock is held.
    Record(Record<'a>),
}

impl TxOffload {
    /// Looks up the record holding `seq` and calls `f` with it while the record list's lock is
    /// held (so the record cannot be freed by an incoming ACK).
    pub(crate) fn with_record<R>(&self, seq: u32, f: impl FnOnce(Lookup<'_>) -> R) -> R {
        let octx = self.0.get();
        let mut rcd_sn = 0u64;
        // SAFETY: `octx` is a live offload context; its spinlock protects the record list that
        // `tls_get_record` walks; records found stay allocated until unlocked.
        let flags = unsafe { bindings::tlsnic_tls_tx_lock(octx) };
        // SAFETY: as above; `rcd_sn` is a valid out pointer.
        let rec = unsafe { bindings::tls_get_record(octx, seq, &mut rcd_sn) };
        let lookup = match NonNull::new(rec) {
            None => Lookup::Missing,
            Some(rec) => {
                // SAFETY: a record returned under the lock is valid until unlock; `Record`
                // borrows it only for the closure below.
                let raw = unsafe { &*rec.as_ptr() };
                if raw.len == 0 {
                    Lookup::Marker {
                        end_seq: raw.end_seq,
                    }
                } else {
                    Lookup::Record(Record { raw, rcd_sn })
                }
            }
        };
        let r = f(lookup);
        // SAFETY: locked above with these flags.
        unsafe { bindings::tlsnic_tls_tx_unlock(octx, flags) };
        r
    }
}

/// One TLS record in the transmit queue, as laid out by the kernel (header, explicit nonce,
/// plaintext, room for the tag), in page fragments that are the retransmit copy: read-only.
pub(crate) struct Record<'a> {
    raw: &'a bindings::tls_record_info,
    rcd_sn: u64,
}

impl Record<'_> {
    /// TCP sequence number of the record's first byte.
    pub(crate) fn start_seq(&self) -> u32 {
        self.raw.end_seq.wrapping_sub(self.len())
    }

    /// Bytes in the record, framing included.
    pub(crate) fn len(&self) -> u32 {
        self.raw.len.max(0) as u32
    }

    /// The record's TLS sequence number.
    pub(crate) fn rcd_sn(&self) -> u64 {
        self.rcd_sn
    }

    /// Takes references on the pages holding the record, so that it can be read after the
    /// lock is released (an ACK may free the record meanwhile, never its pages while we hold
    /// them). `None` if the fragments do not add up to the record's length.
    pub(crate) fn pages(&self) -> Option<RecordPages> {
        let len = self.len();
        let nfrags = (self.raw.num_frags.max(0) as usize).min(self.raw.frags.len());
        let mut out = RecordPages {
            frags: [PageSpan::EMPTY; MAX_FRAGS],
            n: 0,
            len: 0,
        };
        for frag in &self.raw.frags[..nfrags] {
            let (mut off, mut n) = (0u32, 0u32);
            // SAFETY: the fragment is a live page reference held by the record (valid under the
            // lock); the new reference is released by `RecordPages::drop`.
            let page = unsafe { bindings::tlsnic_frag_get_page(frag, &mut off, &mut n) };
            let page = NonNull::new(page)?;
            out.frags[out.n] = PageSpan {
                page: Some(page),
                off,
                len: n,
            };
            out.n += 1;
            out.len = out.len.checked_add(n)?;
        }
        (out.len == len).then_some(out)
    }
}

/// Largest number of fragments of a record (`MAX_SKB_FRAGS`).
pub(crate) const MAX_FRAGS: usize = bindings::TLSNIC_MAX_SKB_FRAGS as usize;

/// A block of pages holding one sealed record (an order-3 compound page, 32 KiB, enough for
/// the largest record). The device's record buffer: encrypted into while private, then its
/// spans are attached to outgoing skbs by reference, each taking a page reference, so a block
/// lives until the last skb using it is freed.
pub(crate) struct SealPage(NonNull<bindings::page>);

// SAFETY: a page reference may be held and dropped from any context.
unsafe impl Send for SealPage {}
// SAFETY: shared access only reads the page.
unsafe impl Sync for SealPage {}

impl SealPage {
    const ORDER: u32 = 3;
    /// Bytes in the block.
    pub(crate) const SIZE: usize = kernel::page::PAGE_SIZE << Self::ORDER;

    /// Allocates a block (atomic context). `None` when out of memory.
    pub(crate) fn alloc() -> Option<Self> {
        // SAFETY: plain page allocation.
        NonNull::new(unsafe { bindings::tlsnic_alloc_seal_page(Self::ORDER) }).map(Self)
    }

    /// Whether skbs still reference the block (it must not be written then).
    pub(crate) fn is_shared(&self) -> bool {
        // SAFETY: we hold a reference, so the page is live.
        unsafe { bindings::tlsnic_page_ref_count(self.0.as_ptr()) > 1 }
    }

    /// The block's bytes, for reading.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the block is `SIZE` bytes of directly mapped memory (no highmem on the
        // architectures tlsnic builds for: page_address of a GFP_ATOMIC page), live while we
        // hold our reference. Holders of other references (skbs) only read it.
        unsafe {
            core::slice::from_raw_parts(
                bindings::tlsnic_page_address(self.0.as_ptr()).cast::<u8>(),
                Self::SIZE,
            )
        }
    }

    /// The block's bytes, for writing: only while no skb references it.
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        if self.is_shared() {
            return None;
        }
        // SAFETY: as in `bytes`; ours is the only reference, and `&mut self` excludes our own
        // readers.
        Some(unsafe {
            core::slice::from_raw_parts_mut(
                bindings::tlsnic_page_address(self.0.as_ptr()).cast::<u8>(),
                Self::SIZE,
            )
        })
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::page {
        self.0.as_ptr()
    }
}

impl core::ops::Drop for SealPage {
    fn drop(&mut self) {
        // SAFETY: we own one reference; the block is freed with the last one.
        unsafe { bindings::tlsnic_put_page(self.0.as_ptr()) }
    }
}

/// One referenced page span.
#[derive(Clone, Copy)]
pub(crate) struct PageSpan {
    page: Option<NonNull<bindings::page>>,
    off: u32,
    len: u32,
}

impl PageSpan {
    const EMPTY: Self = Self {
        page: None,
        off: 0,
        len: 0,
    };
}

/// References on the pages of one record (see [`Record::pages`]), released on drop.
pub(crate) struct RecordPages {
    frags: [PageSpan; MAX_FRAGS],
    n: usize,
    len: u32,
}

// SAFETY: page references may be held and released from any context.
unsafe impl Send for RecordPages {}
// SAFETY: shared access only reads the immutable spans.
unsafe impl Sync for RecordPages {}

impl RecordPages {
    /// Bytes covered.
    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// The referenced spans, in order.
    pub(crate) fn spans(&self) -> impl Iterator<Item = (NonNull<bindings::page>, u32, u32)> + '_ {
        self.frags[..self.n]
            .iter()
            .filter_map(|f| f.page.map(|p| (p, f.off, f.len)))
    }

    /// Copies bytes `[0, dst.len())` of the record into `dst`. Returns `false` if the record is
    /// shorter.
    pub(crate) fn copy_prefix(&self, dst: &mut [u8]) -> bool {
        self.copy_at(0, dst)
    }

    /// Copies bytes `[skip, skip + dst.len())` of the record into `dst`. Returns `false` if the
    /// record is shorter.
    pub(crate) fn copy_at(&self, mut skip: u32, dst: &mut [u8]) -> bool {
        let mut pos = 0usize;
        for (page, off, len) in self.spans() {
            if pos == dst.len() {
                break;
            }
            if skip >= len {
                skip -= len;
                continue;
            }
            let n = ((len - skip) as usize).min(dst.len() - pos);
            // SAFETY: we hold a reference on `page`; `[off + skip, off + skip + n)` is within the
            // fragment and `dst[pos..pos + n]` is in bounds.
            unsafe {
                bindings::tlsnic_page_copy(
                    page.as_ptr(),
                    off + skip,
                    dst[pos..].as_mut_ptr().cast(),
                    n as u32,
                )
            };
            pos += n;
            skip = 0;
        }
        pos == dst.len()
    }
}

impl core::ops::Drop for RecordPages {
    fn drop(&mut self) {
        for (page, _, _) in self.spans() {
            // SAFETY: each reference was taken in `Record::pages`, and is released once.
            unsafe { bindings::tlsnic_put_page(page.as_ptr()) };
        }
    }
}

/// The transmit side of an skb whose socket is device-offloaded to this device: its TLS
/// context, the driver's flow, and where its payload sits in the TCP stream.
pub(crate) struct TxSkb<'a, F> {
    ctx: &'a TlsContext,
    flow: &'a F,
    seq: u32,
    hdr_len: u32,
    payload_len: u32,
}

impl<'a, F> TxSkb<'a, F> {
    /// The driver's flow state (created by its `tls_add_tx`).
    pub(crate) fn flow(&self) -> &'a F {
        self.flow
    }

    /// TCP sequence number of the first payload byte.
    pub(crate) fn seq(&self) -> u32 {
        self.seq
    }

    /// Length of the headers before the TCP payload.
    pub(crate) fn hdr_len(&self) -> u32 {
        self.hdr_len
    }

    /// TCP payload bytes.
    pub(crate) fn payload_len(&self) -> u32 {
        self.payload_len
    }

    /// See [`TxOffload::with_record`].
    pub(crate) fn with_record<R>(&self, seq: u32, f: impl FnOnce(Lookup<'_>) -> R) -> R {
        // SAFETY: a `TxSkb` exists only for device-offloaded sockets (checked in `tls_tx`).
        unsafe { self.ctx.offload_tx() }.with_record(seq, f)
    }
}

impl SkBuff {
    /// If this skb carries TLS records for `dev` to encrypt, its transmit view.
    ///
    /// Must be called from `ndo_start_xmit` (inside `rcu_read_lock_bh`).
    pub(crate) fn tls_tx<'a, T: Driver>(&'a self, dev: &Device<T>) -> Option<TxSkb<'a, T::TxFlow>> {
        let skb = self.as_raw();
        // SAFETY: we hold a valid skb, `dev` is live, and the caller is in the transmit path.
        let ctx = unsafe { bindings::tlsnic_tls_tx_ctx_for_skb(skb, dev.as_raw()) };
        if ctx.is_null() {
            return None;
        }
        // SAFETY: the skb holds a reference on its socket's write memory, which keeps the socket
        // and its TLS context (freed from `sk_destruct`) alive while we hold the skb.
        let ctx = unsafe { TlsContext::from_raw(ctx) };
        // SAFETY: offloaded to `dev`, so the slot holds this driver's `TxFlow`; `tls_dev_del`
        // takes it only once the socket no longer transmits through `dev` (socket destruction,
        // or `tls_device_down` after `synchronize_net`).
        let flow = unsafe { ctx.flow::<T::TxFlow>(Direction::Tx) }?;
        let (mut seq, mut hdr_len) = (0u32, 0u32);
        // SAFETY: valid skb and out pointers.
        if !unsafe { bindings::tlsnic_skb_tcp_payload(skb, &mut seq, &mut hdr_len) } {
            return None;
        }
        Some(TxSkb {
            ctx,
            flow,
            seq,
            hdr_len,
            payload_len: self.len().saturating_sub(hdr_len),
        })
    }

    /// Whether the TCP checksum is left to the device (`CHECKSUM_PARTIAL`), so rewriting the
    /// payload keeps it correct.
    pub(crate) fn csum_partial(&self) -> bool {
        // SAFETY: we hold a valid skb.
        unsafe { bindings::tlsnic_skb_csum_partial(self.as_raw()) }
    }

    /// A new skb with this skb's headers and metadata, for an encrypted copy of the payload
    /// (same length). With `frags`, the payload is then attached by reference to sealed record
    /// blocks ([`RewriteSkb::append_page`]); otherwise the skb is linear and the payload is
    /// copied in ([`RewriteSkb::append`]). `None` when out of memory.
    pub(crate) fn copy_for_rewrite(&self, hdr_len: u32, frags: bool) -> Option<RewriteSkb> {
        if hdr_len > self.len() {
            return None;
        }
        // SAFETY: we hold a valid skb; `hdr_len` is within it.
        let nskb = unsafe { bindings::tlsnic_skb_copy_headers(self.as_raw(), hdr_len, !frags) };
        // SAFETY: a non-null result is a new skb we own.
        let skb = unsafe { SkBuff::from_raw(nskb) }?;
        Some(RewriteSkb {
            skb,
            hdr_len,
            filled: 0,
            target: self.len() - hdr_len,
            frags,
        })
    }
}

/// An skb whose payload the driver fills in order (see [`SkBuff::copy_for_rewrite`]).
/// The payload starts uninitialised; it can only be sent once every byte was written.
pub(crate) struct RewriteSkb {
    skb: SkBuff,
    hdr_len: u32,
    /// Payload bytes written so far.
    filled: u32,
    /// Payload bytes to write.
    target: u32,
    /// Payload attached as page fragments rather than copied.
    frags: bool,
}

impl RewriteSkb {
    /// Payload bytes still to write.
    pub(crate) fn remaining(&self) -> u32 {
        self.target - self.filled
    }

    /// Attaches `[off, off + len)` of `page` to the payload by reference (fragment mode).
    /// Returns `false` (attaching nothing) if it does not fit or the skb has no fragment slot
    /// left.
    pub(crate) fn append_page(&mut self, page: &SealPage, off: usize, len: u32) -> bool {
        if !self.frags || len > self.remaining() || off + len as usize > SealPage::SIZE {
            return false;
        }
        let skb = self.skb.as_raw();
        // SAFETY: we own the skb; the span is within the block, which the skb references.
        let added =
            unsafe { bindings::tlsnic_skb_add_page_frag(skb, page.as_raw(), off as u32, len) };
        if !added {
            return false;
        }
        self.filled += len;
        true
    }

    /// Appends a copy of `src` to the payload (copy mode). Returns `false` (writing nothing) if
    /// it does not fit.
    pub(crate) fn append(&mut self, src: &[u8]) -> bool {
        if self.frags || src.len() > self.remaining() as usize {
            return false;
        }
        // SAFETY: we own the skb, linear with room for the whole payload after `hdr_len`
        // (`tlsnic_skb_copy_headers`); `[hdr_len + filled, + src.len())` fits (checked above).
        unsafe {
            let data = bindings::tlsnic_skb_data(self.skb.as_raw()).cast::<u8>();
            let dst = data.add((self.hdr_len + self.filled) as usize);
            core::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len());
        }
        self.filled += src.len() as u32;
        true
    }

    /// The finished skb, once the whole payload was written.
    pub(crate) fn into_skb(self) -> Option<SkBuff> {
        (self.remaining() == 0).then_some(self.skb)
    }
}

/// The device's receive buffer of one flow: page blocks filled front to back with decrypted
/// copies of received payload. A region, once attached to an skb, is never written again; only
/// bytes past the fill mark are handed out for writing (the page-fragment allocator pattern), so
/// the block can be shared with skbs still queued on the socket while the device writes on.
pub(crate) struct RxBuf {
    block: Option<SealPage>,
    /// Bytes of `block` handed out so far.
    used: usize,
}

/// A fresh region of an [`RxBuf`] block, writable until attached to an skb.
pub(crate) struct RxRegion<'a> {
    block: &'a SealPage,
    off: usize,
    bytes: &'a mut [u8],
}

impl RxBuf {
    /// An empty buffer (no block yet).
    pub(crate) const fn new() -> Self {
        Self {
            block: None,
            used: 0,
        }
    }

    /// Hands out the next fresh bytes: `max` of them, or fewer if the current block has less
    /// room left (a new block is started when the room left is small). `None` when out of
    /// memory or `max` is 0.
    pub(crate) fn reserve(&mut self, max: usize) -> Option<RxRegion<'_>> {
        const MIN_PIECE: usize = 2048;
        if max == 0 {
            return None;
        }
        let room = if self.block.is_some() {
            SealPage::SIZE - self.used
        } else {
            0
        };
        if room < max.min(MIN_PIECE) {
            self.block = Some(SealPage::alloc()?);
            self.used = 0;
        }
        let block = self.block.as_ref()?;
        let off = self.used;
        let len = max.min(SealPage::SIZE - off);
        self.used += len;
        // The fill mark only grows within a block, so `[off, off + len)` lies past every region
        // handed out before: no skb and no other `RxRegion` refers to these bytes, and the region
        // borrows `self` mutably, so no second one can be handed out meanwhile.
        // SAFETY: `SIZE` bytes of directly mapped memory, live while we hold our reference;
        // `[off, off + len)` is within them and referenced by nobody else (see above).
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(
                bindings::tlsnic_page_address(block.as_raw())
                    .cast::<u8>()
                    .add(off),
                len,
            )
        };
        Some(RxRegion { block, off, bytes })
    }
}

impl RxRegion<'_> {
    /// The region's bytes.
    pub(crate) fn bytes(&mut self) -> &mut [u8] {
        self.bytes
    }

    /// Attaches the region to `skb` (which takes a page reference), ending write access.
    pub(crate) fn attach(self, skb: &mut RewriteSkb) -> bool {
        skb.append_page(self.block, self.off, self.bytes.len() as u32)
    }
}

impl SkBuff {
    /// Copies `dst.len()` bytes from offset `off` of the packet (linear part and fragments).
    pub(crate) fn copy_bits(&self, off: u32, dst: &mut [u8]) -> bool {
        // SAFETY: we hold a valid skb; `dst` is writable for its length. `skb_copy_bits` checks
        // the range against the skb.
        unsafe {
            bindings::tlsnic_skb_copy_bits(
                self.as_raw(),
                off,
                dst.as_mut_ptr().cast(),
                dst.len() as u32,
            )
        }
    }

    /// Whether the TCP checksum is known good or still to be computed by a device
    /// (`CHECKSUM_UNNECESSARY` or `CHECKSUM_PARTIAL`): only then may the receive path replace the
    /// payload without invalidating it. A frame that needs software verification passes up
    /// untouched (tls-offload.rst: bad-checksum packets must not be TLS-handled).
    pub(crate) fn csum_trusted(&self) -> bool {
        // SAFETY: we hold a valid skb.
        unsafe { bindings::tlsnic_skb_csum_trusted(self.as_raw()) }
    }

    /// Marks the packet as decrypted by the device (`skb->decrypted`).
    pub(crate) fn set_decrypted(&mut self) {
        // SAFETY: we own the skb.
        unsafe { bindings::tlsnic_skb_set_decrypted(self.as_raw()) }
    }

    /// Clears the device-decrypted / plaintext-for-device mark.
    pub(crate) fn clear_decrypted(&mut self) {
        // SAFETY: we own the skb.
        unsafe { bindings::tlsnic_skb_clear_decrypted(self.as_raw()) }
    }

    /// A second skb sharing this one's data (`skb_clone`). `None` when out of memory.
    pub(crate) fn clone_shared(&self) -> Option<SkBuff> {
        // SAFETY: we hold a valid skb; a non-null result is a new skb we own, whose data is
        // shared read-only (both are clones now; writers must copy first).
        unsafe { SkBuff::from_raw(bindings::tlsnic_skb_clone(self.as_raw())) }
    }

    /// A private, linear copy of the packet whose bytes may be written (`skb_copy`). `None`
    /// when out of memory.
    pub(crate) fn private_copy(&self) -> Option<PrivateSkb> {
        // SAFETY: we hold a valid skb; a non-null result is a new linear skb whose data nobody
        // else references.
        unsafe { SkBuff::from_raw(bindings::tlsnic_skb_copy(self.as_raw())) }.map(PrivateSkb)
    }
}

/// A linear skb whose data only we reference (from [`SkBuff::private_copy`]).
pub(crate) struct PrivateSkb(SkBuff);

impl PrivateSkb {
    /// The packet's bytes.
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        let skb = self.0.as_raw();
        // SAFETY: `skb_copy` made the skb linear (`len` bytes at `data`) with a private head; we
        // own it, and `&mut self` makes this the only access.
        unsafe {
            core::slice::from_raw_parts_mut(
                bindings::tlsnic_skb_data(skb).cast::<u8>(),
                (*skb).len as usize,
            )
        }
    }

    /// Back to a plain skb.
    pub(crate) fn into_skb(self) -> SkBuff {
        self.0
    }
}
