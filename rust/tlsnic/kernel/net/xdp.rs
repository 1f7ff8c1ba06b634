// SPDX-License-Identifier: GPL-2.0

//! Native XDP: [`XdpProg`] (a program `ndo_bpf` hands the driver), [`XdpSlot`] (a device's
//! attached program and its receive queue info, which runs the program on a frame) and
//! [`XdpFrames`] (the frames another device redirects to this one, `ndo_xdp_xmit`).
//!
//! A frame is run in one page: the frame's bytes are copied behind `XDP_PACKET_HEADROOM`, with
//! room for `struct skb_shared_info` at the end, so the program may grow the head and the tail
//! as on any driver, and the page is what `XDP_TX`, `XDP_PASS` and `XDP_REDIRECT` hand on (the
//! receive queue's memory model is `MEM_TYPE_PAGE_SHARED`: a page freed with `put_page`). Frames
//! that do not fit one page are never built: tlsnic has no multi-buffer frames.
//!
//! The operations that need the device are [`Device`](crate::base::net::device::Device)'s
//! (`xdp_attach`, `xdp_run`, `xdp_tx_failed`, `xdp_frames_each`), so that this file does not
//! import `device.rs`, which imports it.
//!
//! C headers: [`include/linux/filter.h`](srctree/include/linux/filter.h),
//! [`include/net/xdp.h`](srctree/include/net/xdp.h).

use crate::base::bindings;
use crate::base::net::rtnl::Rtnl;
use crate::base::net::skb::SkBuff;
use crate::base::sync::Rcu;
use core::{
    mem::MaybeUninit,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{ffi::c_int, prelude::*};

/// The largest frame (from its Ethernet header) one XDP buffer holds.
pub(crate) const FRAME_MAX: u32 = bindings::TLSNIC_XDP_FRAME_MAX;

/// A reference to an XDP program, handed to the driver by `ndo_bpf` (`XDP_SETUP_PROG`).
///
/// # Invariants
///
/// The pointer is a live `BPF_PROG_TYPE_XDP` program on which this value owns one reference.
pub(crate) struct XdpProg(NonNull<bindings::bpf_prog>);

// SAFETY: a program reference may be used and dropped from any thread.
unsafe impl Send for XdpProg {}
// SAFETY: `&XdpProg` only reads immutable fields.
unsafe impl Sync for XdpProg {}

impl XdpProg {
    /// # Safety
    ///
    /// `ptr` is null or a live XDP program whose reference passes to the returned value.
    pub(in crate::base) unsafe fn from_raw(ptr: *mut bindings::bpf_prog) -> Option<Self> {
        NonNull::new(ptr).map(Self)
    }

    /// Whether the program was loaded as frags-aware (`SEC("xdp.frags")`).
    pub(crate) fn has_frags(&self) -> bool {
        // SAFETY: the program is live (type invariant); its aux data is immutable once loaded.
        unsafe { bindings::tlsnic_prog_xdp_has_frags(self.0.as_ptr()) }
    }

    fn into_raw(self) -> *mut bindings::bpf_prog {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl Drop for XdpProg {
    fn drop(&mut self) {
        // SAFETY: this value owns one reference (type invariant); the core frees the program
        // only after an RCU grace period following its last release.
        unsafe { bindings::bpf_prog_put(self.0.as_ptr()) }
    }
}

/// What became of a frame [`XdpSlot::run`] was given.
pub(crate) enum Verdict {
    /// No program is attached: the frame, untouched.
    NoProg(SkBuff),
    /// `XDP_PASS`: the frame as the program left it, a new skb over the XDP page.
    Pass(SkBuff),
    /// `XDP_TX`: the frame as the program left it, to be sent back out of the device.
    Tx(SkBuff),
    /// `XDP_DROP`.
    Drop,
    /// `XDP_REDIRECT`, taken by the target (flushed before `run` returned).
    Redirected,
    /// `XDP_REDIRECT` the target refused (`xdp:xdp_redirect_err` traced it); dropped.
    RedirectFailed,
    /// `XDP_ABORTED` or an action the program may not return (`xdp:xdp_exception` traced it);
    /// dropped.
    Aborted,
    /// The frame does not fit one XDP buffer (or is a GSO frame); dropped before the program.
    Oversize,
    /// No memory for the XDP buffer or the skb after it; dropped.
    NoMem,
}

/// A device's XDP program slot and its receive queue info.
///
/// # Invariants
///
/// `prog` is null or a pointer from [`XdpProg::into_raw`], owned by the slot, changed only
/// under RTNL. `rxq` is null or a `KBox` leaked by [`XdpSlot::set`], registered for the device
/// whose private data holds the slot, and freed only when the slot is dropped (the device is
/// being freed, past every reader).
pub(crate) struct XdpSlot {
    prog: AtomicPtr<bindings::bpf_prog>,
    rxq: AtomicPtr<bindings::xdp_rxq_info>,
}

impl XdpSlot {
    /// An empty slot.
    pub(crate) const fn new() -> Self {
        Self {
            prog: AtomicPtr::new(ptr::null_mut()),
            rxq: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Whether a program is attached.
    pub(crate) fn attached(&self) -> bool {
        !self.prog.load(Ordering::Acquire).is_null()
    }

    /// Attaches `prog` (replacing the program attached, if any) or detaches (`None`), on `dev`.
    /// The first attach registers the device's receive queue info, which stays until the
    /// device is freed. The replaced program's reference is released; frames running it finish
    /// first (the core frees programs after a grace period).
    ///
    /// # Safety
    ///
    /// `dev` is the live device whose private data holds this slot.
    pub(in crate::base) unsafe fn set(
        &self,
        _rtnl: &Rtnl,
        dev: *mut bindings::net_device,
        prog: Option<XdpProg>,
    ) -> Result {
        if prog.is_some() && self.rxq.load(Ordering::Acquire).is_null() {
            let rxq: KBox<bindings::xdp_rxq_info> = KBox::new(
                // SAFETY: all-zero is `REG_STATE_NEW`, what registration expects.
                unsafe { core::mem::zeroed() },
                GFP_KERNEL,
            )?;
            let rxq = KBox::into_raw(rxq);
            // SAFETY: `rxq` is a fresh, zeroed queue info we own; `dev` is a live device.
            let err = unsafe { bindings::tlsnic_xdp_rxq_info_reg(rxq, dev) };
            if err != 0 {
                // SAFETY: `rxq` is ours, left unregistered, and was never published.
                drop(unsafe { KBox::from_raw(rxq) });
                return Err(Error::from_errno(err));
            }
            // SAFETY: the queue info was registered just now; the page-shared model needs no
            // allocator.
            let err = unsafe {
                bindings::xdp_rxq_info_reg_mem_model(
                    rxq,
                    bindings::xdp_mem_type_MEM_TYPE_PAGE_SHARED,
                    ptr::null_mut(),
                )
            };
            if err != 0 {
                // SAFETY: `rxq` is ours, registered above, and was never published.
                unsafe {
                    bindings::xdp_rxq_info_unreg(rxq);
                    drop(KBox::from_raw(rxq));
                }
                return Err(Error::from_errno(err));
            }
            // INVARIANT: registered for `dev`, published once, under RTNL.
            self.rxq.store(rxq, Ordering::Release);
        }
        let new = prog.map_or(ptr::null_mut(), XdpProg::into_raw);
        let old = self.prog.swap(new, Ordering::AcqRel);
        // SAFETY: the slot owned the old reference (type invariant); its program is freed only
        // after a grace period, past the readers that loaded it.
        drop(unsafe { XdpProg::from_raw(old) });
        Ok(())
    }

    /// Runs the attached program on `skb`, a frame arriving at `dev` (whose private data holds
    /// this slot), inside the receive path (bottom halves off). `trusted`: the frame's
    /// checksum is known good (a frame from the wire's sender with its checksum left to the
    /// device or verified); the skb built after `XDP_PASS` and `XDP_TX` says so too
    /// (`CHECKSUM_UNNECESSARY`), and a checksum the sender left to the device is completed
    /// before the program sees the frame.
    ///
    /// # Safety
    ///
    /// `dev` is the live device whose private data holds this slot; bottom halves are off.
    pub(in crate::base) unsafe fn run(
        &self,
        _rcu: &Rcu,
        dev: *mut bindings::net_device,
        skb: SkBuff,
    ) -> Verdict {
        let prog = self.prog.load(Ordering::Acquire);
        let rxq = self.rxq.load(Ordering::Acquire);
        if prog.is_null() || rxq.is_null() {
            return Verdict::NoProg(skb);
        }
        let len = skb.len();
        // A GSO frame is many frames: like one longer than a page, it cannot be one buffer.
        // SAFETY: we own a valid skb.
        if len > FRAME_MAX || unsafe { bindings::tlsnic_skb_is_gso(skb.as_raw()) } {
            return Verdict::Oversize;
        }
        let trusted = skb.csum_trusted();
        // SAFETY: we own the skb; `skb_csum_hwoffload_help` with no offload features completes a
        // partial checksum in place (an SCTP CRC32c as a CRC, anything else as an Internet
        // checksum), copying the head first if it is shared.
        if skb.csum_partial() && unsafe { bindings::skb_csum_hwoffload_help(skb.as_raw(), 0) } != 0
        {
            return Verdict::NoMem;
        }
        // SAFETY: an order-0 page of our own, or null.
        let page = unsafe { bindings::tlsnic_alloc_pages(bindings::TLSNIC_GFP_ATOMIC_NOWARN, 0) };
        if page.is_null() {
            return Verdict::NoMem;
        }
        // SAFETY: `page` is a lowmem page we own (alloc_page without __GFP_HIGHMEM).
        let hard_start = unsafe { bindings::tlsnic_page_address(page) }.cast::<u8>();
        let headroom = bindings::TLSNIC_XDP_HEADROOM;
        // SAFETY: `headroom + len <= PAGE_SIZE` (`len <= FRAME_MAX`), within the page; the skb
        // holds `len` bytes.
        let copied = unsafe {
            bindings::skb_copy_bits(
                skb.as_raw(),
                0,
                hard_start.add(headroom as usize).cast(),
                len as c_int,
            )
        } == 0;
        skb.consume();
        if !copied {
            // SAFETY: the page is ours and nothing else refers to it.
            unsafe { bindings::tlsnic_put_page(page) };
            return Verdict::NoMem;
        }
        let mut xdp = MaybeUninit::<bindings::xdp_buff>::zeroed();
        let xdp = xdp.as_mut_ptr();
        let mut net_ctx = MaybeUninit::<bindings::bpf_net_context>::uninit();
        // The buffer describes the page we own, with `len` bytes at `headroom` and the page's
        // size as its frame size; the receive queue info is registered for `dev` and lives as
        // long as the device (type invariant).
        // SAFETY: as just said; `xdp` is ours and zeroed.
        unsafe {
            bindings::tlsnic_xdp_init_buff(xdp, bindings::TLSNIC_PAGE_SIZE, rxq);
            bindings::tlsnic_xdp_prepare_buff(xdp, hard_start, headroom as c_int, len as c_int);
        }
        // The BPF network context (`bpf_redirect`'s state and the flush lists) is set unless an
        // outer one is (a caller such as tc or a NAPI poll may have set one; flushing its lists
        // early is harmless), and cleared below, after the redirect is flushed.
        // SAFETY: `net_ctx` outlives its use: it is cleared before this function returns.
        let ctx = unsafe { bindings::tlsnic_bpf_net_ctx_set(net_ctx.as_mut_ptr()) };
        // SAFETY: the program is live (the slot's reference, or a grace period that `_rcu` holds
        // off); `xdp` describes our page, inside the BPF network context set above.
        let act = unsafe { bindings::tlsnic_bpf_prog_run_xdp(prog, xdp) };
        let verdict = match act {
            bindings::xdp_action_XDP_PASS | bindings::xdp_action_XDP_TX => {
                // SAFETY: `xdp` describes `page`, a whole order-0 page we own, whose ownership
                // passes to the skb; `dev` is live.
                match unsafe { build_skb(xdp, page, dev, trusted) } {
                    Some(skb) if act == bindings::xdp_action_XDP_PASS => Verdict::Pass(skb),
                    Some(skb) => Verdict::Tx(skb),
                    None => Verdict::NoMem,
                }
            }
            bindings::xdp_action_XDP_DROP => {
                // SAFETY: the program dropped the frame: the page is ours and unreferenced.
                unsafe { bindings::tlsnic_put_page(page) };
                Verdict::Drop
            }
            bindings::xdp_action_XDP_REDIRECT => {
                // SAFETY: inside the BPF network context set above, with the live program that
                // asked for the redirect; `dev` and `xdp` are as the program left them.
                match unsafe { bindings::xdp_do_redirect(dev, xdp, prog) } {
                    0 => {
                        // SAFETY: inside the BPF network context set above.
                        unsafe { bindings::xdp_do_flush() };
                        Verdict::Redirected
                    }
                    _ => {
                        // SAFETY: a failed redirect leaves the page to us, unreferenced.
                        unsafe { bindings::tlsnic_put_page(page) };
                        Verdict::RedirectFailed
                    }
                }
            }
            _ => {
                // SAFETY: `dev` and the program are live; the page is ours and unreferenced
                // (an aborted or invalid action keeps nothing).
                unsafe {
                    if act != bindings::xdp_action_XDP_ABORTED {
                        bindings::bpf_warn_invalid_xdp_action(dev, prog, act);
                    }
                    bindings::tlsnic_trace_xdp_exception(dev, prog, act);
                    bindings::tlsnic_put_page(page);
                }
                Verdict::Aborted
            }
        };
        // SAFETY: `ctx` is what `tlsnic_bpf_net_ctx_set` returned above, cleared once.
        unsafe { bindings::tlsnic_bpf_net_ctx_clear(ctx) };
        verdict
    }

    /// Reports an `XDP_TX` frame the device could not send (`xdp:xdp_exception`), as drivers
    /// do.
    ///
    /// # Safety
    ///
    /// `dev` is the live device whose private data holds this slot.
    pub(in crate::base) unsafe fn tx_failed(&self, _rcu: &Rcu, dev: *mut bindings::net_device) {
        let prog = self.prog.load(Ordering::Acquire);
        if !prog.is_null() {
            // SAFETY: the program is live (the slot's reference or the grace period `_rcu`
            // holds off); the device is live.
            unsafe { bindings::tlsnic_trace_xdp_exception(dev, prog, bindings::xdp_action_XDP_TX) };
        }
    }
}

impl Drop for XdpSlot {
    fn drop(&mut self) {
        let prog = *self.prog.get_mut();
        // SAFETY: the slot owned this reference (type invariant).
        drop(unsafe { XdpProg::from_raw(prog) });
        let rxq = *self.rxq.get_mut();
        if !rxq.is_null() {
            // SAFETY: registered and leaked by `set` (type invariant); the device is being
            // freed, so no frame uses it any more.
            unsafe {
                bindings::xdp_rxq_info_unreg(rxq);
                drop(KBox::from_raw(rxq));
            }
        }
    }
}

/// An skb over the XDP page of `xdp` as the program left it (headroom, length and metadata),
/// its Ethernet header first, as a frame from `dev`'s wire. Frees the page on failure.
///
/// # Safety
///
/// `xdp` describes `page`, a whole order-0 page we own, whose ownership passes to the skb;
/// `dev` is a live device.
unsafe fn build_skb(
    xdp: *const bindings::xdp_buff,
    page: *mut bindings::page,
    dev: *mut bindings::net_device,
    trusted: bool,
) -> Option<SkBuff> {
    // SAFETY: per the function's contract.
    unsafe {
        let hard_start = (*xdp).data_hard_start.cast::<u8>();
        let data = (*xdp).data.cast::<u8>();
        let end = (*xdp).data_end.cast::<u8>();
        let meta = (*xdp).data_meta.cast::<u8>();
        let skb = bindings::build_skb(hard_start.cast(), bindings::TLSNIC_PAGE_SIZE);
        if skb.is_null() {
            bindings::tlsnic_put_page(page);
            return None;
        }
        // The skb owns the page now (head_frag): freeing the skb puts it.
        let skb = SkBuff::from_raw(skb)?;
        bindings::tlsnic_skb_set_dev(skb.as_raw(), dev);
        bindings::tlsnic_skb_reserve(skb.as_raw(), data.offset_from(hard_start) as c_int);
        bindings::skb_put(skb.as_raw(), end.offset_from(data) as u32);
        let metalen = data.offset_from(meta);
        if metalen > 0 && metalen < 256 {
            bindings::tlsnic_skb_metadata_set(skb.as_raw(), metalen as u8);
        }
        if trusted {
            bindings::tlsnic_skb_set_csum_unnecessary(skb.as_raw());
        }
        Some(skb)
    }
}

/// The frames another device's `XDP_REDIRECT` hands this one (`ndo_xdp_xmit`).
pub(crate) struct XdpFrames<'a> {
    frames: &'a [*mut bindings::xdp_frame],
}

impl<'a> XdpFrames<'a> {
    /// # Safety
    ///
    /// `frames` points to `n` live XDP frames the caller hands over for the call.
    pub(in crate::base) unsafe fn from_raw(
        frames: *mut *mut bindings::xdp_frame,
        n: c_int,
    ) -> Self {
        let n = usize::try_from(n).unwrap_or(0);
        let frames = if frames.is_null() || n == 0 {
            &[][..]
        } else {
            // SAFETY: per the function's contract.
            unsafe { core::slice::from_raw_parts(frames, n) }
        };
        Self { frames }
    }

    /// How many frames there are.
    pub(crate) fn len(&self) -> usize {
        self.frames.len()
    }

    /// Turns the frames, in order, into skbs for `dev` (Ethernet header first, as frames for
    /// the wire) and hands each to `send`. Stops at the first frame that is multi-buffer or
    /// cannot become an skb: the frames before it are consumed (sent, or dropped by `send`),
    /// it and those after are the caller's to free, as `ndo_xdp_xmit` wants. Returns how many
    /// were consumed.
    ///
    /// # Safety
    ///
    /// `dev` is a live device.
    pub(in crate::base) unsafe fn each(
        &self,
        dev: *mut bindings::net_device,
        mut send: impl FnMut(SkBuff),
    ) -> usize {
        for (i, &frame) in self.frames.iter().enumerate() {
            // SAFETY: a live frame (type contract); a multi-buffer one is left to the caller.
            if unsafe { bindings::tlsnic_xdp_frame_has_frags(frame) } {
                return i;
            }
            // SAFETY: the frame is live and ours; on success its memory belongs to the skb
            // (which `eth_type_trans` left after the Ethernet header: pushed back, since the
            // wire carries frames from their Ethernet header).
            let skb = unsafe {
                let skb = bindings::xdp_build_skb_from_frame(frame, dev);
                if !skb.is_null() {
                    bindings::skb_push(skb, bindings::ETH_HLEN);
                }
                SkBuff::from_raw(skb)
            };
            match skb {
                Some(skb) => send(skb),
                None => return i,
            }
        }
        self.frames.len()
    }
}
