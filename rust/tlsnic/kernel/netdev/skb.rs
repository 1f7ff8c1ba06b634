// SPDX-License-Identifier: GPL-2.0

//! Socket buffers: [`SkBuff`], an owned `struct sk_buff`.

use super::*;

/// Why a packet was not delivered; it has been freed.
pub(crate) struct Dropped;

/// An owned socket buffer (`struct sk_buff`), freed on drop.
pub(crate) struct SkBuff(NonNull<bindings::sk_buff>);

// SAFETY: an skb is not tied to the thread that created it.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// # Safety
    ///
    /// `ptr` must be a valid skb whose ownership passes to the returned value.
    pub(crate) unsafe fn from_raw(ptr: *mut bindings::sk_buff) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// The underlying `struct sk_buff`.
    pub(crate) fn as_raw(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Frees the packet as consumed (delivered), not dropped.
    pub(crate) fn consume(self) {
        let skb = ManuallyDrop::new(self).0.as_ptr();
        // SAFETY: we own the skb; it is not used again.
        unsafe { bindings::tlsnic_consume_skb(skb) }
    }

    /// A second reference to this skb (`skb_get`): both handles own one reference, the data is
    /// shared. The driver uses it only to hand an skb to a queue while its view of the skb is
    /// still borrowed, and then consumes the first handle.
    pub(crate) fn get(&self) -> SkBuff {
        // SAFETY: we own a reference to a valid skb; `skb_get` takes another one, owned by the
        // new handle.
        SkBuff(unsafe { NonNull::new_unchecked(bindings::tlsnic_skb_get(self.as_raw())) })
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

    /// Hands the packet to `to`'s receive path, as if it arrived on that device's wire
    /// (`__dev_forward_skb` then `netif_rx`). The data is passed by reference, like veth does:
    /// the receive path treats cloned heads and shared fragments as read-only and copies before
    /// writing (`skb_cow`, `skb_ensure_writable`), so the sender's retransmit queue never changes.
    /// The `decrypted` mark goes as it is: the caller clears it on the wire and sets it only on
    /// payload the receiving device decrypted.
    pub(crate) fn forward<U: Driver>(self, to: &Device<U>) -> Result<(), Dropped> {
        let skb = ManuallyDrop::new(self).0.as_ptr();
        // SAFETY: we own `skb` and `to` is a valid device; `__dev_forward_skb` frees the skb when
        // it fails, and otherwise leaves it ready for `netif_rx`, which consumes it.
        unsafe {
            if bindings::__dev_forward_skb(to.as_raw(), skb) != bindings::NET_RX_SUCCESS as c_int {
                return Err(Dropped);
            }
            if bindings::netif_rx(skb) != bindings::NET_RX_SUCCESS as c_int {
                return Err(Dropped);
            }
        }
        Ok(())
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: we own the skb.
        unsafe { bindings::tlsnic_kfree_skb(self.0.as_ptr()) }
    }
}
