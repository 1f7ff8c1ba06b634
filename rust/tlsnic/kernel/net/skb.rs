// SPDX-License-Identifier: GPL-2.0

//! Socket buffers: [`SkBuff`], an owned `struct sk_buff`; [`RewriteSkb`], a copy whose payload
//! the driver writes; [`PrivateSkb`], a private linear copy.
//!
//! C header: [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h).

use crate::base::bindings;
use crate::base::page::{FragRegion, PageBlock, MAX_SPANS};
use core::{mem::ManuallyDrop, ptr::NonNull};
use kernel::ffi::c_int;

/// Why a packet was not delivered; it has been freed.
pub(crate) struct Dropped;

/// An owned socket buffer (`struct sk_buff`), freed on drop.
///
/// # Invariants
///
/// The pointer is a live skb on which this value owns one reference, and no other `SkBuff`
/// refers to it (other references, if any, are [`SkBuffRef`]s, which give no access).
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: an skb is not tied to the thread that created it.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// # Safety
    ///
    /// `ptr` must be a valid skb whose ownership passes to the returned value.
    pub(in crate::base) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// The underlying `struct sk_buff`.
    pub(in crate::base) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Gives up ownership: the caller takes over this value's reference.
    pub(in crate::base) fn into_raw(self) -> *mut bindings::sk_buff {
        ManuallyDrop::new(self).0.as_ptr()
    }

    /// Frees the packet as consumed (delivered), not dropped.
    pub(crate) fn consume(self) {
        let skb = ManuallyDrop::new(self).0.as_ptr();
        // SAFETY: we own the skb; it is not used again.
        unsafe { bindings::tlsnic_consume_skb(skb) }
    }

    /// A second reference to this skb (`skb_get`), for a queue that keeps the packet while this
    /// handle is still borrowed (the driver then consumes this handle). The reference gives no
    /// access to the packet; it turns back into an [`SkBuff`] once it is the only one
    /// ([`SkBuffRef::into_owned`]).
    pub(crate) fn get(&self) -> SkBuffRef {
        // SAFETY: we own a reference to a valid skb; `skb_get` takes another one, owned by the
        // new handle.
        SkBuffRef(unsafe { NonNull::new_unchecked(bindings::tlsnic_skb_get(self.as_raw())) })
    }

    /// Bytes in the packet (linear part and fragments).
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: we own a valid skb.
        unsafe { (*self.0.as_ptr()).len }
    }

    /// Makes sure the first `len` bytes are in the linear part (`pskb_may_pull`).
    pub(crate) fn may_pull(&mut self, len: u32) -> bool {
        // SAFETY: we own a valid skb.
        unsafe { bindings::tlsnic_pskb_may_pull(self.0.as_ptr(), len) }
    }

    /// Takes the software transmit timestamp, if the socket asked for one.
    pub(crate) fn tx_timestamp(&mut self) {
        // SAFETY: we own a valid skb.
        unsafe { bindings::tlsnic_skb_tx_timestamp(self.0.as_ptr()) }
    }

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

    /// `ip_summed`: what is known of the packet's checksum.
    fn ip_summed(&self) -> u8 {
        // SAFETY: we hold a valid skb.
        unsafe { bindings::tlsnic_skb_ip_summed(self.as_raw()) }
    }

    /// Whether the TCP checksum is left to the device (`CHECKSUM_PARTIAL`), so rewriting the
    /// payload keeps it correct.
    pub(crate) fn csum_partial(&self) -> bool {
        self.ip_summed() == bindings::TLSNIC_CHECKSUM_PARTIAL
    }

    /// Whether the TCP checksum is known good or still to be computed by a device
    /// (`CHECKSUM_UNNECESSARY` or `CHECKSUM_PARTIAL`): only then may the receive path replace the
    /// payload without invalidating it. A frame that needs software verification passes up
    /// untouched (tls-offload.rst: bad-checksum packets must not be TLS-handled).
    pub(crate) fn csum_trusted(&self) -> bool {
        let summed = self.ip_summed();
        summed == bindings::TLSNIC_CHECKSUM_PARTIAL
            || summed == bindings::TLSNIC_CHECKSUM_UNNECESSARY
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
        unsafe {
            SkBuff::from_raw(bindings::tlsnic_skb_clone(
                self.as_raw(),
                bindings::TLSNIC_GFP_ATOMIC,
            ))
        }
    }

    /// A private, linear copy of the packet whose bytes may be written (`skb_copy`). `None`
    /// when out of memory.
    pub(crate) fn private_copy(&self) -> Option<PrivateSkb> {
        // SAFETY: we hold a valid skb; a non-null result is a new linear skb whose data nobody
        // else references.
        unsafe {
            SkBuff::from_raw(bindings::tlsnic_skb_copy(
                self.as_raw(),
                bindings::TLSNIC_GFP_ATOMIC,
            ))
        }
        .map(PrivateSkb)
    }

    /// The TCP sequence number of the payload and the length of the headers before it (link,
    /// network, TCP), if this is a TCP packet whose headers are in the linear part.
    pub(crate) fn tcp_payload(&self) -> Option<(u32, u32)> {
        let skb = self.as_raw();
        // SAFETY: we hold a valid skb of the transmit path, whose TCP header the stack built in
        // the linear part once the transport header is set (checked first); the sequence number
        // is read only once the headers are known to lie in the linear part.
        unsafe {
            if !bindings::tlsnic_skb_transport_header_was_set(skb) {
                return None;
            }
            let hdr_len = bindings::tlsnic_skb_tcp_all_headers(skb);
            if hdr_len > bindings::tlsnic_skb_headlen(skb) || hdr_len > (*skb).len {
                return None;
            }
            Some((u32::from_be(bindings::tlsnic_skb_tcp_seq(skb)), hdr_len))
        }
    }

    /// A new skb with this skb's headers and metadata, for a rewritten copy of the payload (same
    /// length). With `frags`, the payload is then attached by reference to page blocks
    /// ([`RewriteSkb::append_page`], [`RewriteSkb::attach`]); otherwise the skb is linear and the
    /// payload is copied in ([`RewriteSkb::append`]). `None` when out of memory.
    pub(crate) fn copy_for_rewrite(&self, hdr_len: u32, frags: bool) -> Option<RewriteSkb> {
        if hdr_len > self.len() {
            return None;
        }
        let skb = self.as_raw();
        let len = if frags { hdr_len } else { self.len() };
        // SAFETY: we hold a valid skb; `hdr_len` is within it. The new skb is ours: its head
        // gets the original's headroom and `len` bytes, the first `hdr_len` copied from the
        // original (the original's fragments are the retransmit copy and are never written).
        unsafe {
            let headroom = bindings::tlsnic_skb_headroom(skb);
            let nskb = SkBuff::from_raw(bindings::tlsnic_alloc_skb(
                headroom + len,
                bindings::TLSNIC_GFP_ATOMIC_NOWARN,
            ))?;
            bindings::tlsnic_skb_reserve(nskb.as_raw(), headroom as c_int);
            let data = bindings::skb_put(nskb.as_raw(), len);
            if bindings::skb_copy_bits(skb, 0, data, hdr_len as c_int) != 0 {
                return None;
            }
            bindings::skb_copy_header(nskb.as_raw(), skb);
            Some(RewriteSkb {
                skb: nskb,
                hdr_len,
                filled: 0,
                target: self.len() - hdr_len,
                frags,
            })
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb.
        unsafe { bindings::tlsnic_kfree_skb(self.0.as_ptr()) }
    }
}

/// A reference to an skb that an [`SkBuff`] may also own (from [`SkBuff::get`]): it keeps the
/// packet alive and can be dropped, but gives no access to it until it is the only reference.
///
/// # Invariants
///
/// The pointer is a live skb on which this value owns one reference.
pub(crate) struct SkBuffRef(NonNull<bindings::sk_buff>);

// SAFETY: a reference to an skb may be held and released from any context.
unsafe impl Send for SkBuffRef {}

impl SkBuffRef {
    /// The packet, if no other reference to it is left (`!skb_shared`): nobody else can then
    /// use it. Otherwise the reference back.
    pub(crate) fn into_owned(self) -> Result<SkBuff, SkBuffRef> {
        // SAFETY: we hold a reference, so the skb is live; `skb_shared` reads its reference count.
        if unsafe { bindings::tlsnic_skb_shared(self.0.as_ptr()) } {
            return Err(self);
        }
        // INVARIANT: the only reference, so the `SkBuff` owns the packet alone.
        Ok(SkBuff(ManuallyDrop::new(self).0))
    }
}

impl Drop for SkBuffRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference; the packet is freed with the last one.
        unsafe { bindings::tlsnic_kfree_skb(self.0.as_ptr()) }
    }
}

/// An skb whose payload the driver fills in order (see [`SkBuff::copy_for_rewrite`]). The payload
/// starts uninitialised; it can only be sent once every byte was written.
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

    /// Attaches `[off, off + len)` of `block` to the payload by reference (fragment mode); the skb
    /// takes a page reference. Returns `false` (attaching nothing) if it does not fit or the skb
    /// has no fragment slot left.
    pub(crate) fn append_page(&mut self, block: &PageBlock, off: usize, len: u32) -> bool {
        if !self.frags || len > self.remaining() || off + len as usize > PageBlock::SIZE {
            return false;
        }
        let skb = self.skb.as_raw();
        // SAFETY: we own the skb; the span is within the block; the fragment takes a reference
        // of its own on the block, released when the skb is freed.
        unsafe {
            let i = bindings::tlsnic_skb_nr_frags(skb);
            if i as usize >= MAX_SPANS {
                return false;
            }
            bindings::tlsnic_get_page(block.as_raw());
            bindings::tlsnic_skb_add_rx_frag(skb, i, block.as_raw(), off as u32, len);
        }
        self.filled += len;
        true
    }

    /// Attaches a fresh region of a [`FragAlloc`](crate::base::page::FragAlloc) block, ending
    /// write access to it.
    pub(crate) fn attach(&mut self, region: FragRegion<'_>) -> bool {
        let len = region.len() as u32;
        self.append_page(region.block, region.off, len)
    }

    /// Appends a copy of `src` to the payload (copy mode). Returns `false` (writing nothing) if
    /// it does not fit.
    pub(crate) fn append(&mut self, src: &[u8]) -> bool {
        if self.frags || src.len() > self.remaining() as usize {
            return false;
        }
        // SAFETY: we own the skb, linear with room for the whole payload after `hdr_len`
        // (`copy_for_rewrite`); `[hdr_len + filled, + src.len())` fits (checked above).
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
