// SPDX-License-Identifier: GPL-2.0

//! The transmit side of kTLS device offload: the records a socket handed to TCP and not yet saw
//! acknowledged ([`TxOffload`], [`Record`]), and the transmit view of an skb whose socket is
//! offloaded to this device ([`TxSkb`]).

use crate::base::bindings;
use crate::base::net::device::Device;
use crate::base::net::skb::SkBuff;
use crate::base::net::tls::{Direction, TlsContext, TlsDevOps};
use crate::base::page::{PageRefs, PageSpan};
use crate::base::sync::Rcu;
use core::ptr::NonNull;
use kernel::types::{ForeignOwnable, Opaque};

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
    pub(crate) fn pages(&self) -> Option<PageRefs> {
        let nfrags = (self.raw.num_frags.max(0) as usize).min(self.raw.frags.len());
        let mut refs = PageRefs::new();
        for frag in &self.raw.frags[..nfrags] {
            let frag: *mut bindings::skb_frag_t = core::ptr::from_ref(frag).cast_mut();
            // SAFETY: the fragment is a live page reference held by the record (valid under the
            // lock); the reference taken here passes to `refs`, which releases it.
            let span = unsafe {
                let page = NonNull::new(bindings::tlsnic_skb_frag_page(frag))?;
                bindings::tlsnic_skb_frag_ref(frag);
                PageSpan {
                    page,
                    off: bindings::tlsnic_skb_frag_off(frag),
                    len: bindings::tlsnic_skb_frag_size(frag),
                }
            };
            // SAFETY: we pass the reference taken above; the span's bytes are the record's,
            // which nobody writes while it is queued.
            if !unsafe { refs.push(span) } {
                // SAFETY: not pushed, so still ours to release.
                unsafe { bindings::tlsnic_put_page(span.page.as_ptr()) };
                return None;
            }
        }
        (refs.len() == self.len()).then_some(refs)
    }
}

/// The transmit side of an skb whose socket is device-offloaded to this device: the driver's
/// flow, and where its payload sits in the TCP stream.
pub(crate) struct TxSkb<'a, F: ForeignOwnable> {
    sk: NonNull<bindings::sock>,
    ctx: &'a TlsContext,
    flow: F::Borrowed<'a>,
    seq: u32,
    hdr_len: u32,
    payload_len: u32,
}

impl<'a, F: ForeignOwnable> TxSkb<'a, F> {
    /// The driver's flow state (created by its `add_tx`).
    pub(crate) fn flow(&self) -> &F::Borrowed<'a> {
        &self.flow
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

    /// Asks the TLS core for a transmit resync point (`tls_offload_tx_resync_request`): the
    /// device got a segment at `got` where it expected the record starting at `expected`. The
    /// core answers with `tls_dev_resync` for transmit ([`super::TlsDevOps::resync_tx`]) when
    /// the socket pushes its next record. Does nothing and returns `false` while an earlier
    /// request is pending. The caller serialises a flow's requests (two racing ones would make
    /// the kernel warn).
    pub(crate) fn request_resync(&self, got: u32, expected: u32) -> bool {
        // SAFETY: the skb holds its socket (and so the socket's TLS context, whose transmit side
        // is device-offloaded: checked in `tls_tx`); the helper only tests and sets a bit of
        // the context's flags.
        unsafe { bindings::tlsnic_tls_tx_resync_request(self.sk.as_ptr(), got, expected) }
    }

    /// The socket's records: see [`TxOffload::with_record`].
    pub(crate) fn with_record<R>(&self, seq: u32, f: impl FnOnce(Lookup<'_>) -> R) -> R {
        // SAFETY: a `TxSkb` exists only for device-offloaded sockets (checked in `tls_tx`), whose
        // offload context lives as long as the TLS context.
        let octx =
            unsafe { &*bindings::tlsnic_tls_offload_ctx_tx(self.ctx.as_raw()).cast::<TxOffload>() };
        octx.with_record(seq, f)
    }
}

impl SkBuff {
    /// If this skb carries TLS records for `dev` to encrypt, its transmit view: the skb's socket
    /// is device-offloaded (`tls_is_skb_tx_device_offloaded`) to this very device (not to
    /// another, in which case `tls_validate_xmit_skb` already encrypted it in software).
    ///
    /// The flow is borrowed for the RCU read-side section `_rcu` (the transmit path's): a device
    /// going down frees its flows only after `synchronize_net`.
    pub(crate) fn tls_tx<'a, T: TlsDevOps>(
        &'a self,
        _rcu: &'a Rcu,
        dev: &Device<T>,
    ) -> Option<TxSkb<'a, T::TxFlow>> {
        let skb = self.as_raw();
        // SAFETY: we hold a valid skb; an offloaded skb has a socket with a TLS context.
        let ctx = unsafe {
            if !bindings::tlsnic_tls_is_skb_tx_device_offloaded(skb) {
                return None;
            }
            bindings::tlsnic_tls_get_ctx(bindings::tlsnic_skb_sk(skb))
        };
        if ctx.is_null() {
            return None;
        }
        // SAFETY: the skb holds a reference on its socket's write memory, which keeps the socket
        // and its TLS context (freed from `sk_destruct`) alive while we hold the skb.
        let ctx = unsafe { TlsContext::from_raw(ctx) };
        // SAFETY: the context is live; `netdev` is RCU-protected and only compared here.
        if unsafe { bindings::tlsnic_tls_ctx_netdev(ctx.as_raw()) } != dev.as_raw() {
            return None;
        }
        // SAFETY: offloaded to `dev`, so the slot holds this driver's `TxFlow`; `tls_dev_del`
        // takes it only once the socket is destroyed (the skb keeps it alive) or, when the
        // device goes down, after `synchronize_net` (which waits for `_rcu`'s section).
        let flow = unsafe { ctx.flow::<T::TxFlow>(Direction::Tx) }?;
        let (seq, hdr_len) = self.tcp_payload()?;
        Some(TxSkb {
            // SAFETY: offloaded skbs have a socket (`tls_is_skb_tx_device_offloaded`).
            sk: unsafe { NonNull::new_unchecked(bindings::tlsnic_skb_sk(skb)) },
            ctx,
            flow,
            seq,
            hdr_len,
            payload_len: self.len().saturating_sub(hdr_len),
        })
    }
}

impl SkBuff {
    /// Encrypts this segment of a transmit-offloaded socket in software, with the kernel's
    /// fallback (`tls_encrypt_skb`, the TLS core's own `tls_device_fallback.c`, as nfp does with
    /// segments its context cannot place). Returns the encrypted copy to send, or the segment
    /// itself if it wholly precedes the start of offload (its records were encrypted in
    /// software already); `None` if the fallback failed or the socket is no longer
    /// device-offloaded: the packet is then freed as dropped, never sent in clear.
    pub(crate) fn tls_sw_fallback(self) -> Option<SkBuff> {
        let skb = self.as_raw();
        // SAFETY: we hold a valid skb.
        if !unsafe { bindings::tlsnic_tls_is_skb_tx_device_offloaded(skb) } {
            drop(self);
            return None;
        }
        // SAFETY: the skb's socket is transmit-offloaded to a device, so its offload context
        // exists with the fallback's transform (`tls_set_device_offload` set the socket's
        // `sk_validate_xmit_skb` that `tls_is_skb_tx_device_offloaded` tests only after
        // `tls_sw_fallback_init` succeeded), and lives as long as the socket, which the skb
        // holds. The function consumes our reference and returns an owned one, or null.
        unsafe { SkBuff::from_raw(bindings::tlsnic_tls_encrypt_skb(self.into_raw())) }
    }
}
