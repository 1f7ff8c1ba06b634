// SPDX-License-Identifier: GPL-2.0

//! Net devices: the [`NetDeviceOps`] trait (`struct net_device_ops` and the private data),
//! [`Device`] (a device of a driver), [`SetupDevice`] (a device being set up), [`PeerLink`] and
//! the feature masks.
//!
//! C header: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h).

use crate::base::bindings;
use crate::base::net::napi::NapiPoll;
use crate::base::net::rtnl::{ExtAck, Net, Rtnl};
use crate::base::net::skb::{Dropped, SkBuff};
use crate::base::net::xdp::{Verdict, XdpFrames, XdpProg, XdpSlot};
use crate::base::sync::Rcu;
use core::{
    marker::PhantomData,
    mem,
    pin::Pin,
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::c_int,
    init::PinInit,
    prelude::*,
    types::Opaque,
};

/// Device features (`netdev_features_t` masks), from the kernel's own definitions.
pub(crate) mod features {
    use crate::base::bindings as b;

    /// Scatter/gather.
    pub(crate) const SG: u64 = b::TLSNIC_NETIF_F_SG;
    /// Frag lists.
    pub(crate) const FRAGLIST: u64 = b::TLSNIC_NETIF_F_FRAGLIST;
    /// Checksum offload for every protocol.
    pub(crate) const HW_CSUM: u64 = b::TLSNIC_NETIF_F_HW_CSUM;
    /// Receive checksum offload.
    pub(crate) const RXCSUM: u64 = b::TLSNIC_NETIF_F_RXCSUM;
    /// DMA to high memory.
    pub(crate) const HIGHDMA: u64 = b::TLSNIC_NETIF_F_HIGHDMA;
    /// SCTP CRC offload.
    pub(crate) const SCTP_CRC: u64 = b::TLSNIC_NETIF_F_SCTP_CRC;
    /// Every segmentation offload the stack can emulate in software (TSO, TSO6, USO, ...).
    pub(crate) const GSO_SOFTWARE: u64 = b::TLSNIC_NETIF_F_GSO_SOFTWARE;
    /// Segmentation offloads of encapsulated traffic.
    pub(crate) const GSO_ENCAP_ALL: u64 = b::TLSNIC_NETIF_F_GSO_ENCAP_ALL;
    /// kTLS transmit offload (`tls-hw-tx-offload`).
    pub(crate) const HW_TLS_TX: u64 = b::TLSNIC_NETIF_F_HW_TLS_TX;
    /// kTLS receive offload (`tls-hw-rx-offload`).
    pub(crate) const HW_TLS_RX: u64 = b::TLSNIC_NETIF_F_HW_TLS_RX;
}

/// Length of an Ethernet header.
pub(crate) const ETH_HLEN: u32 = bindings::ETH_HLEN;
/// Smallest MTU of an Ethernet device.
pub(crate) const ETH_MIN_MTU: u32 = bindings::ETH_MIN_MTU;
/// Largest MTU of an Ethernet device.
pub(crate) const ETH_MAX_MTU: u32 = bindings::ETH_MAX_MTU;

/// A net device driver: its private data and the callbacks of `struct net_device_ops`.
///
/// The other callback tables of a device are traits of their own, each set up from the link
/// kind's [`setup`](crate::base::net::link::RtnlLinkOps::setup): ethtool
/// ([`EthtoolOps`](crate::base::net::ethtool::EthtoolOps)), kTLS offload
/// ([`TlsDevOps`](crate::base::net::tls::TlsDevOps)) and the sysfs attribute group
/// ([`AttributeGroup`](crate::base::sysfs::AttributeGroup)).
#[vtable]
pub(crate) trait NetDeviceOps: Sized + Send + Sync + 'static {
    /// Per-device private data, initialised in place when the device is allocated and dropped
    /// exactly once when it is freed: by the device's `priv_destructor` (which clears itself),
    /// called by the core when it frees a registered device and when it unwinds a failed
    /// registration, or else by the failure paths of this layer, which free a device that was
    /// never registered (see `drop_priv_unregistered`).
    type Priv: Send + Sync;

    /// Initialiser of the private data.
    fn priv_init() -> impl PinInit<Self::Priv>;

    /// `ndo_open`: the device is brought up.
    fn open(rtnl: &Rtnl, dev: &Device<Self>) -> Result;

    /// `ndo_stop`: the device is brought down.
    fn stop(rtnl: &Rtnl, dev: &Device<Self>) -> Result;

    /// `ndo_start_xmit`: transmit (or drop) `skb`. The packet is always consumed. Runs inside an
    /// RCU read-side critical section (`rcu`).
    fn start_xmit(rcu: &Rcu, dev: &Device<Self>, skb: SkBuff);

    /// `ndo_get_iflink`: ifindex of the device this one is linked to (0 for none).
    fn get_iflink(_dev: &Device<Self>) -> i32 {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_fix_features`: the features the device can have now, out of `features`. Under
    /// RTNL.
    fn fix_features(_rtnl: &Rtnl, _dev: &Device<Self>, _features: u64) -> u64 {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_bpf`, `XDP_SETUP_PROG`: attach `prog` as the device's native XDP program, replacing
    /// the one attached, or detach (`None`). Under RTNL. On success the driver keeps the
    /// reference; on failure it drops it, and the core keeps the program attached before.
    fn xdp_setup(
        _rtnl: &Rtnl,
        _dev: &Device<Self>,
        _prog: Option<XdpProg>,
        _extack: &ExtAck,
    ) -> Result {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_xdp_xmit`: send `frames`, redirected to this device by XDP programs (of this or
    /// another device), inside the redirecting device's receive path (bottom halves off,
    /// `rcu`). Returns how many frames the driver consumed (sent or dropped itself); the core
    /// frees the others. `flush`: the redirecting device ends its batch (`XDP_XMIT_FLUSH`).
    fn xdp_xmit(
        _rcu: &Rcu,
        _dev: &Device<Self>,
        _frames: XdpFrames<'_>,
        _flush: bool,
    ) -> Result<usize> {
        kernel::build_error(VTABLE_DEFAULT_ERROR)
    }
}

/// A network device driven by `T`.
///
/// # Invariants
///
/// The wrapped `net_device` was set up by [`init_device::<T>`] (so its private area holds an
/// initialised, pinned `T::Priv`) and is not freed for as long as a reference to it exists. The
/// driver is only handed references to registered devices (`newlink` gets a
/// [`NewLink`](crate::base::net::link::NewLink), not a `Device`).
#[repr(transparent)]
pub(crate) struct Device<T: NetDeviceOps>(Opaque<bindings::net_device>, PhantomData<T>);

// SAFETY: `struct net_device` is built for concurrent use; every method below calls C functions
// that may run concurrently with each other, or reads fields with `READ_ONCE` semantics.
unsafe impl<T: NetDeviceOps> Sync for Device<T> {}
// SAFETY: see `Sync`; nothing in a device is tied to the thread that created it.
unsafe impl<T: NetDeviceOps> Send for Device<T> {}

impl<T: NetDeviceOps> Device<T> {
    /// # Safety
    ///
    /// `ptr` must point to a device satisfying the type invariants for `'a`.
    pub(in crate::base) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: guaranteed by the caller; `Device` is a transparent wrapper.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(in crate::base) fn as_raw(&self) -> *mut bindings::net_device {
        self.0.get()
    }

    /// The driver's private data of this device.
    pub(crate) fn data(&self) -> Pin<&T::Priv> {
        // SAFETY: by the type invariant the private area holds an initialised `T::Priv` that is
        // never moved (it lives inside the device allocation) until the device is freed.
        unsafe {
            Pin::new_unchecked(&*bindings::tlsnic_netdev_priv(self.as_raw()).cast::<T::Priv>())
        }
    }

    /// Whether the device is administratively up.
    pub(crate) fn is_running(&self) -> bool {
        // SAFETY: the device is valid (type invariant); `netif_running` tests a state bit.
        unsafe { bindings::tlsnic_netif_running(self.as_raw()) }
    }

    /// Reports carrier (the "cable" is plugged in).
    pub(crate) fn carrier_on(&self) {
        // SAFETY: the device is valid; `netif_carrier_on` may be called in any context.
        unsafe { bindings::netif_carrier_on(self.as_raw()) }
    }

    /// Reports loss of carrier.
    pub(crate) fn carrier_off(&self) {
        // SAFETY: the device is valid; `netif_carrier_off` may be called in any context.
        unsafe { bindings::netif_carrier_off(self.as_raw()) }
    }

    /// The interface index.
    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: the device is valid; `ifindex` may change under RTNL (netns moves), so it is
        // read once, like `READ_ONCE(dev->ifindex)`.
        unsafe { ptr::read_volatile(ptr::addr_of!((*self.as_raw()).ifindex)) }
    }

    /// The interface name (NUL-padded), or the name template before registration.
    pub(crate) fn name(&self, _rtnl: &Rtnl) -> [u8; 16] {
        // SAFETY: the device is valid; the name buffer is a fixed array that is only rewritten
        // under RTNL, which the caller holds.
        unsafe { (*self.as_raw()).name }
    }

    /// The network namespace the device is in.
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: the device is valid and a device's namespace outlives the device.
        unsafe { Net::from_raw(bindings::tlsnic_dev_net(self.as_raw())) }
    }

    /// The device's MTU.
    pub(crate) fn mtu(&self) -> u32 {
        // SAFETY: the device is valid; the MTU is written with `WRITE_ONCE` and read once.
        unsafe { ptr::read_volatile(ptr::addr_of!((*self.as_raw()).mtu)) }
    }

    /// Sets the largest MTU `ip link set mtu` accepts from now on.
    pub(crate) fn set_max_mtu(&self, _rtnl: &Rtnl, max: u32) {
        // SAFETY: the device is valid; `max_mtu` is read and written under RTNL, which the
        // caller holds.
        unsafe { (*self.as_raw()).max_mtu = max }
    }

    /// Recomputes the device's features (`netdev_update_features`): the driver's
    /// `fix_features` is asked again.
    pub(crate) fn update_features(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is registered and RTNL is held, as the function requires.
        unsafe { bindings::netdev_update_features(self.as_raw()) }
    }

    /// Attaches `prog` as this device's XDP program in `slot` (part of its private data),
    /// replacing the one attached, or detaches (`None`).
    pub(crate) fn xdp_attach(&self, rtnl: &Rtnl, slot: &XdpSlot, prog: Option<XdpProg>) -> Result {
        self.check_own(slot)?;
        // SAFETY: the device is live and `slot` lies in its private data (checked).
        unsafe { slot.set(rtnl, self.as_raw(), prog) }
    }

    /// Runs the XDP program of `slot` (part of this device's private data; nothing attached:
    /// [`Verdict::NoProg`]) on `skb`, arriving at this device. Receive path, bottom halves off.
    pub(crate) fn xdp_run(&self, rcu: &Rcu, slot: &XdpSlot, skb: SkBuff) -> Verdict {
        if self.check_own(slot).is_err() {
            return Verdict::NoProg(skb);
        }
        // SAFETY: the device is live, `slot` lies in its private data (checked), and the
        // receive path runs with bottom halves off (the transmit path's `rcu_read_lock_bh`,
        // or a device work's).
        unsafe { slot.run(rcu, self.as_raw(), skb) }
    }

    /// Reports an `XDP_TX` frame of `slot`'s program this device could not send.
    pub(crate) fn xdp_tx_failed(&self, rcu: &Rcu, slot: &XdpSlot) {
        if self.check_own(slot).is_ok() {
            // SAFETY: the device is live and `slot` lies in its private data (checked).
            unsafe { slot.tx_failed(rcu, self.as_raw()) }
        }
    }

    /// Turns `frames` redirected to this device into skbs for its wire, each handed to `send`
    /// (see [`XdpFrames`]); returns how many were consumed.
    pub(crate) fn xdp_frames_each(
        &self,
        frames: &XdpFrames<'_>,
        send: impl FnMut(SkBuff),
    ) -> usize {
        // SAFETY: the device is live.
        unsafe { frames.each(self.as_raw(), send) }
    }

    /// `EINVAL` unless `field` lies inside this device's private data (which is dropped before
    /// the device is freed, so what it holds may refer to the device until then).
    pub(in crate::base) fn check_own<U>(&self, field: &U) -> Result {
        let data = ptr::from_ref(self.data().get_ref()) as usize;
        let me = ptr::from_ref(field) as usize;
        if me < data || me + mem::size_of::<U>() > data + mem::size_of::<T::Priv>() {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Counts a transmitted packet of `len` bytes.
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: the device is valid and has per-CPU `tstats` (`init_device` requests them).
        unsafe { bindings::tlsnic_tstats_tx_add(self.as_raw(), len) }
    }

    /// Counts a received packet of `len` bytes.
    pub(crate) fn count_rx(&self, len: u32) {
        // SAFETY: as for `count_tx`.
        unsafe { bindings::tlsnic_tstats_rx_add(self.as_raw(), len) }
    }

    /// Counts a packet dropped on transmit.
    pub(crate) fn count_tx_dropped(&self) {
        // SAFETY: the device is valid; `DEV_STATS_INC` is an atomic increment.
        unsafe { bindings::tlsnic_stats_tx_dropped_inc(self.as_raw()) }
    }

    /// Hands `skb` to this device's receive path, as if it arrived on its wire
    /// (`__dev_forward_skb` then `netif_rx`). The data is passed by reference, like veth does:
    /// the receive path treats cloned heads and shared fragments as read-only and copies before
    /// writing (`skb_cow`, `skb_ensure_writable`), so the sender's retransmit queue never changes.
    /// The `decrypted` mark goes as it is: the caller clears it on the wire and sets it only on
    /// payload the receiving device decrypted.
    pub(crate) fn receive(&self, skb: SkBuff) -> Result<(), Dropped> {
        let skb = skb.into_raw();
        // SAFETY: we own `skb` and the device is valid; `__dev_forward_skb` frees the skb when
        // it fails, and otherwise leaves it ready for `netif_rx`, which consumes it.
        unsafe {
            if bindings::__dev_forward_skb(self.as_raw(), skb) != bindings::NET_RX_SUCCESS as c_int
            {
                return Err(Dropped);
            }
            if bindings::netif_rx(skb) != bindings::NET_RX_SUCCESS as c_int {
                return Err(Dropped);
            }
        }
        Ok(())
    }

    /// As [`Device::receive`], but passes the frame up the stack here and now
    /// (`netif_receive_skb`) instead of queueing it to this CPU's backlog: for the device's own
    /// NAPI poll. `Err` only if the frame could not be received (too long, device down); what
    /// the stack then does with it (a protocol's drop) is not the device's, as for NIC drivers.
    pub(crate) fn receive_in_poll(&self, _napi: &NapiPoll, skb: SkBuff) -> Result<(), Dropped> {
        let skb = skb.into_raw();
        // SAFETY: as in `receive`; `netif_receive_skb` consumes the skb and is called from a NAPI
        // poll (the `NapiPoll` token), with bottom halves disabled.
        unsafe {
            if bindings::__dev_forward_skb(self.as_raw(), skb) != bindings::NET_RX_SUCCESS as c_int
            {
                return Err(Dropped);
            }
            bindings::netif_receive_skb(skb);
        }
        Ok(())
    }

    /// Finishes registration of a device created under `rtnl`: applies its flags and sends the
    /// netlink notification (`rtnl_configure_link`).
    pub(crate) fn configure(&self, _rtnl: &Rtnl) -> Result {
        // SAFETY: the device is registered and RTNL is held; a null `ifinfomsg` only notifies.
        to_result(unsafe {
            bindings::rtnl_configure_link(self.as_raw(), ptr::null(), 0, ptr::null())
        })
    }

    /// Unregisters the device now (it is freed after RTNL is released).
    pub(crate) fn unregister(&self, _rtnl: &Rtnl) {
        // SAFETY: the device is registered and RTNL is held; a null list unregisters at once.
        unsafe { bindings::unregister_netdevice_queue(self.as_raw(), ptr::null_mut()) }
    }
}

/// A pointer from one device of driver `T` to another, published with RCU.
///
/// # Invariants
///
/// A non-null pointer refers to a device satisfying [`Device`]'s invariants. It is only changed
/// under RTNL, and cleared (under RTNL) before the device it points to is unregistered; devices
/// are freed only after an RCU grace period following their unregistration.
pub(crate) struct PeerLink<T: NetDeviceOps>(AtomicPtr<bindings::net_device>, PhantomData<T>);

impl<T: NetDeviceOps> PeerLink<T> {
    /// An empty link.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()), PhantomData)
    }

    /// The linked device, valid for the RCU read-side section.
    pub(crate) fn get<'a>(&self, _rcu: &'a Rcu) -> Option<&'a Device<T>> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: by the invariant a non-null device is freed only after a grace period, which
        // cannot end while `_rcu` is held.
        (!p.is_null()).then(|| unsafe { Device::from_raw(p) })
    }

    /// The linked device, valid while RTNL is held.
    pub(crate) fn get_rtnl<'a>(&self, _rtnl: &'a Rtnl) -> Option<&'a Device<T>> {
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: the link is cleared under RTNL before its device is unregistered, and frees
        // happen after RTNL is released.
        (!p.is_null()).then(|| unsafe { Device::from_raw(p) })
    }

    /// Points the link at `dev` (or clears it).
    pub(crate) fn set(&self, _rtnl: &Rtnl, dev: Option<&Device<T>>) {
        let p = dev.map_or(ptr::null_mut(), |d| d.as_raw());
        self.0.store(p, Ordering::Release);
    }
}

/// A device of driver `T` being set up by the link kind's `setup`, before anything else can
/// see it.
pub(crate) struct SetupDevice<'a, T: NetDeviceOps>(
    pub(in crate::base) &'a mut bindings::net_device,
    PhantomData<T>,
);

impl<'a, T: NetDeviceOps> SetupDevice<'a, T> {
    /// # Safety
    ///
    /// `dev` was just initialised by [`init_device::<T>`] and is not visible to anyone else for
    /// `'a`.
    pub(in crate::base) unsafe fn new(dev: *mut bindings::net_device) -> Self {
        // SAFETY: per the function's contract, the device is ours alone for `'a`.
        Self(unsafe { &mut *dev }, PhantomData)
    }

    /// Sets the feature set: `features` are on, `hw_features` are user-togglable.
    pub(crate) fn set_features(&mut self, features: u64, hw_features: u64) {
        let dev = &mut *self.0;
        dev.features |= features;
        dev.hw_features |= hw_features;
        dev.hw_enc_features |= features;
        dev.vlan_features |= features;
        dev.mpls_features |= features;
    }

    /// Sets the range `ip link set mtu` accepts.
    pub(crate) fn set_mtu_range(&mut self, min: u32, max: u32) {
        self.0.min_mtu = min;
        self.0.max_mtu = max;
    }

    /// Updates `priv_flags`: sets `set`, clears `clear` (`enum netdev_priv_flags` bits).
    fn update_priv_flags(&mut self, set: u32, clear: u32) {
        // SAFETY: `priv_flags` and `lltx` are bitfields in a `struct_group` (a union of two
        // identical layouts); accessing them through the anonymous member is always valid.
        let flags = unsafe { &mut self.0.__bindgen_anon_1.__bindgen_anon_1 };
        flags.set_priv_flags((flags.priv_flags() | set as usize) & !(clear as usize));
    }

    /// Marks the transmit path lockless and queue-less (no default qdisc; one can be attached).
    pub(crate) fn set_lockless_tx(&mut self) {
        // SAFETY: as in `update_priv_flags`.
        unsafe { self.0.__bindgen_anon_1.__bindgen_anon_1.set_lltx(1) };
        self.update_priv_flags(bindings::netdev_priv_flags_IFF_NO_QUEUE, 0);
    }

    /// Allows changing the MAC address while up; frames are never shared between devices.
    pub(crate) fn set_live_addr_change(&mut self) {
        self.update_priv_flags(
            bindings::netdev_priv_flags_IFF_LIVE_ADDR_CHANGE,
            bindings::netdev_priv_flags_IFF_TX_SKB_SHARING,
        );
    }

    /// Starts the device without carrier; the driver reports carrier once the link is up.
    pub(crate) fn set_no_carrier(&mut self) {
        // SAFETY: `netif_carrier_off` on a device that is not registered yet only sets the state
        // bit (no link-watch event).
        unsafe { bindings::netif_carrier_off(self.0) }
    }

    /// Sets the XDP features the device advertises (`NETDEV_XDP_ACT_*`: basic actions,
    /// redirect, and `ndo_xdp_xmit` as a redirect target), before registration.
    pub(crate) fn set_xdp_features(&mut self) {
        self.0.xdp_features = bindings::TLSNIC_XDP_FEATURES;
    }

    /// Allows GSO packets up to the largest size the stack builds.
    pub(crate) fn set_max_tso(&mut self) {
        // SAFETY: the device is being set up and not yet visible to anyone else.
        unsafe { bindings::netif_set_tso_max_size(self.0, bindings::GSO_MAX_SIZE) }
    }
}

/// Sets up a newly allocated device for driver `T`: generic Ethernet setup, `T`'s
/// `net_device_ops`, the private data, per-CPU statistics and a random MAC address.
///
/// # Safety
///
/// Called once, from the link kind's `setup` (which `alloc_netdev` runs), on a freshly allocated
/// device whose private area is `size_of::<T::Priv>()` bytes aligned to `NETDEV_ALIGN`
/// (`LinkOps` checks that is enough for `T::Priv`) and uninitialised, before anything else uses
/// the device.
pub(in crate::base) unsafe fn init_device<T: NetDeviceOps>(dev: *mut bindings::net_device) {
    // SAFETY: per the function's contract.
    unsafe {
        bindings::ether_setup(dev);
        (*dev).netdev_ops = NetDeviceOpsTable::<T>::build();
        (*dev).needs_free_netdev = true;
        (*dev).priv_destructor = Some(priv_destructor::<T>);
        (*dev).set_pcpu_stat_type(bindings::netdev_stat_type_NETDEV_PCPU_STAT_TSTATS);
        bindings::tlsnic_eth_hw_addr_random(dev);
        let slot = bindings::tlsnic_netdev_priv(dev).cast::<T::Priv>();
        // The initialiser's error type is `Infallible`.
        let _ = T::priv_init().__pinned_init(slot);
    }
}

/// `priv_destructor`: drops the private data, when a registered device is freed or while the
/// core unwinds a failed registration, and unsets itself, so that whoever frees the device
/// afterwards can tell the private data is gone.
///
/// # Safety
///
/// `dev` is a device of `T` whose private data is initialised and not dropped (its
/// `priv_destructor` is still set), and nothing else uses the private data any more.
unsafe extern "C" fn priv_destructor<T: NetDeviceOps>(dev: *mut bindings::net_device) {
    // SAFETY: the private data was initialised in `init_device`, and is still there because the
    // destructor is still set; the core calls it when nothing else uses the device any more
    // (or, unwinding a registration, before anything did).
    unsafe {
        ptr::drop_in_place(bindings::tlsnic_netdev_priv(dev).cast::<T::Priv>());
        (*dev).priv_destructor = None;
    }
}

/// Drops the private data of a device that is about to be freed without having been registered
/// (never, or its registration failed), unless the core already did that through
/// `priv_destructor` or will: a registration that failed after the device was listed
/// (`NETDEV_REGISTER` refused) leaves it `NETREG_UNREGISTERING`, and the core's deferred
/// unregistration calls the destructor once the last reference is gone.
///
/// # Safety
///
/// `dev` was set up by [`init_device::<T>`], is not registered, RTNL is held, and the caller
/// frees the device right after this call.
pub(in crate::base) unsafe fn drop_priv_unregistered<T: NetDeviceOps>(
    dev: *mut bindings::net_device,
) {
    // SAFETY: `dev` is a live device (see above); RTNL serialises its registration state.
    let reg_state = unsafe { (*dev).reg_state };
    let unwinding = u32::from(reg_state) == bindings::netdev_reg_state_NETREG_UNREGISTERING;
    // SAFETY: as above; reading the destructor pointer is a plain field read.
    if !unwinding && unsafe { (*dev).priv_destructor }.is_some() {
        // SAFETY: the destructor is still set, so the private data is initialised and was not
        // dropped; nothing else references the unregistered device.
        unsafe { priv_destructor::<T>(dev) }
    }
}

/// `struct net_device_ops` of driver `T`.
struct NetDeviceOpsTable<T: NetDeviceOps>(PhantomData<T>);

impl<T: NetDeviceOps> NetDeviceOpsTable<T> {
    const VTABLE: bindings::net_device_ops = bindings::net_device_ops {
        ndo_open: Some(Self::ndo_open),
        ndo_stop: Some(Self::ndo_stop),
        ndo_start_xmit: Some(Self::ndo_start_xmit),
        ndo_get_stats64: Some(bindings::dev_get_tstats64),
        ndo_set_mac_address: Some(bindings::eth_mac_addr),
        ndo_validate_addr: Some(bindings::eth_validate_addr),
        ndo_get_iflink: if T::HAS_GET_IFLINK {
            Some(Self::ndo_get_iflink)
        } else {
            None
        },
        ndo_fix_features: if T::HAS_FIX_FEATURES {
            Some(Self::ndo_fix_features)
        } else {
            None
        },
        ndo_bpf: if T::HAS_XDP_SETUP {
            Some(Self::ndo_bpf)
        } else {
            None
        },
        ndo_xdp_xmit: if T::HAS_XDP_XMIT {
            Some(Self::ndo_xdp_xmit)
        } else {
            None
        },
        // SAFETY: `net_device_ops` holds only optional function pointers; all-zero means "no
        // callback" for every remaining one.
        ..unsafe { mem::zeroed() }
    };

    const fn build() -> &'static bindings::net_device_ops {
        &Self::VTABLE
    }

    /// `ndo_open`: [`NetDeviceOps::open`].
    ///
    /// # Safety
    ///
    /// Called only by the core, under RTNL, for a device of `T`.
    unsafe extern "C" fn ndo_open(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `ndo_open` runs under RTNL on one of our devices.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
            T::open(&rtnl, dev)?;
            Ok(0)
        })
    }

    /// `ndo_stop`: [`NetDeviceOps::stop`].
    ///
    /// # Safety
    ///
    /// Called only by the core, under RTNL, for a device of `T`.
    unsafe extern "C" fn ndo_stop(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `ndo_stop` runs under RTNL on one of our devices.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
            T::stop(&rtnl, dev)?;
            Ok(0)
        })
    }

    /// `ndo_start_xmit`: [`NetDeviceOps::start_xmit`].
    ///
    /// # Safety
    ///
    /// Called only by the core for a registered device of `T`, inside its RCU-bh section, with
    /// an skb handed to us.
    unsafe extern "C" fn ndo_start_xmit(
        skb: *mut bindings::sk_buff,
        dev: *mut bindings::net_device,
    ) -> bindings::netdev_tx_t {
        // SAFETY: the core passes ownership of a valid skb and one of our (registered) devices,
        // and calls `ndo_start_xmit` inside `rcu_read_lock_bh` (`__dev_queue_xmit`) or with
        // interrupts disabled (netpoll); both are RCU read-side critical sections.
        let (rcu, skb, dev) = unsafe {
            (
                Rcu::assume_held(),
                SkBuff::from_raw(skb),
                Device::<T>::from_raw(dev),
            )
        };
        if let Some(skb) = skb {
            T::start_xmit(&rcu, dev, skb);
        }
        bindings::netdev_tx_NETDEV_TX_OK
    }

    /// `ndo_get_iflink`: [`NetDeviceOps::get_iflink`].
    ///
    /// # Safety
    ///
    /// Called only by the core for a registered device of `T`.
    unsafe extern "C" fn ndo_get_iflink(dev: *const bindings::net_device) -> c_int {
        // SAFETY: called on one of our registered devices.
        T::get_iflink(unsafe { Device::<T>::from_raw(dev.cast_mut()) })
    }

    /// `ndo_fix_features`: [`NetDeviceOps::fix_features`].
    ///
    /// # Safety
    ///
    /// Called only by the core, under RTNL, for a registered device of `T`.
    unsafe extern "C" fn ndo_fix_features(
        dev: *mut bindings::net_device,
        features: bindings::netdev_features_t,
    ) -> bindings::netdev_features_t {
        // SAFETY: `ndo_fix_features` runs under RTNL (`__netdev_update_features`) on one of our
        // devices.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
        T::fix_features(&rtnl, dev, features)
    }

    /// `ndo_bpf`: [`NetDeviceOps::xdp_setup`] for `XDP_SETUP_PROG`; `EINVAL` for the other
    /// commands (offload to a device's own BPF engine, XSK pools).
    ///
    /// # Safety
    ///
    /// Called only by the core, under RTNL, for a registered device of `T`, with a valid
    /// command.
    unsafe extern "C" fn ndo_bpf(
        dev: *mut bindings::net_device,
        bpf: *mut bindings::netdev_bpf,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `ndo_bpf` runs under RTNL (`dev_xdp_install`) on one of our devices with a
            // valid command.
            let (rtnl, dev, bpf) =
                unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev), &*bpf) };
            if bpf.command != bindings::bpf_netdev_command_XDP_SETUP_PROG {
                return Err(EINVAL);
            }
            // SAFETY: `XDP_SETUP_PROG` uses the union's first member.
            let (prog, extack) = unsafe {
                (
                    bpf.__bindgen_anon_1.__bindgen_anon_1.prog,
                    bpf.__bindgen_anon_1.__bindgen_anon_1.extack,
                )
            };
            // The core took a reference for the driver, which it releases itself if the driver
            // fails. The driver gets one of its own, and the core's is released on success,
            // so each path releases exactly one.
            if !prog.is_null() {
                // SAFETY: `prog` is live: the core holds a reference.
                unsafe { bindings::bpf_prog_inc(prog) };
            }
            // SAFETY: null, or the reference taken just above, which the driver now owns.
            let owned = unsafe { XdpProg::from_raw(prog) };
            T::xdp_setup(&rtnl, dev, owned, &ExtAck(extack))?;
            if !prog.is_null() {
                // SAFETY: the core's reference, which a successful setup consumes.
                unsafe { bindings::bpf_prog_put(prog) };
            }
            Ok(0)
        })
    }

    /// `ndo_xdp_xmit`: [`NetDeviceOps::xdp_xmit`].
    ///
    /// # Safety
    ///
    /// Called only by the core (a redirect's flush) for a registered device of `T`, with
    /// bottom halves off inside an RCU read-side section, and `n` live frames.
    unsafe extern "C" fn ndo_xdp_xmit(
        dev: *mut bindings::net_device,
        n: c_int,
        frames: *mut *mut bindings::xdp_frame,
        flags: u32,
    ) -> c_int {
        // SAFETY: the core flushes a redirect's bulk queue with bottom halves off, inside the
        // receive path's RCU section, on one of our devices, with `n` live frames it hands over.
        let (rcu, dev, frames) = unsafe {
            (
                Rcu::assume_held(),
                Device::<T>::from_raw(dev),
                XdpFrames::from_raw(frames, n),
            )
        };
        let flush = flags & bindings::XDP_XMIT_FLUSH != 0;
        match T::xdp_xmit(&rcu, dev, frames, flush) {
            Ok(sent) => c_int::try_from(sent).unwrap_or(0),
            Err(e) => e.to_errno(),
        }
    }
}
