// SPDX-License-Identifier: GPL-2.0

//! Net devices: [`Device`] (registered), [`NewDevice`] (allocated, not yet registered),
//! [`SetupDevice`] (inside `setup`), [`PeerLink`] and the feature masks.

use super::*;

/// Device features (`netdev_features_t` masks), from the kernel's own definitions.
pub(crate) mod features {
    use super::bindings as b;

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

/// A network device driven by `T`.
///
/// # Invariants
///
/// The wrapped `net_device` was allocated by [`Adapter::<T>::setup`] (so its private area holds an
/// initialised, pinned `T::Priv`) and is registered, or being registered or unregistered, and not
/// yet freed for as long as a reference to it exists.
#[repr(transparent)]
pub(crate) struct Device<T: Driver>(Opaque<bindings::net_device>, PhantomData<T>);

// SAFETY: `struct net_device` is built for concurrent use; every method below calls C functions
// that may run concurrently with each other, or reads fields with `READ_ONCE` semantics.
unsafe impl<T: Driver> Sync for Device<T> {}
// SAFETY: see `Sync`; nothing in a device is tied to the thread that created it.
unsafe impl<T: Driver> Send for Device<T> {}

impl<T: Driver> Device<T> {
    /// # Safety
    ///
    /// `ptr` must point to a device satisfying the type invariants for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
        // SAFETY: guaranteed by the caller; `Device` is a transparent wrapper.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(crate) fn as_raw(&self) -> *mut bindings::net_device {
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

    /// The cookie of the device's network namespace (`net->net_cookie`).
    pub(crate) fn net_cookie(&self) -> u64 {
        // SAFETY: the device is valid; a device always has a namespace, whose cookie is written
        // once when the namespace is created.
        unsafe { bindings::tlsnic_dev_net_cookie(self.as_raw()) }
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

    /// Counts a transmitted packet of `len` bytes.
    pub(crate) fn count_tx(&self, len: u32) {
        // SAFETY: the device is valid and has per-CPU `tstats` (`SetupDevice` requests them).
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

/// A device allocated with a `T` driver's link ops but not registered yet. Freed on drop.
pub(crate) struct NewDevice<T: Driver>(NonNull<bindings::net_device>, PhantomData<T>);

impl<T: Driver> NewDevice<T> {
    /// Allocates a device of link kind `T` in `net` (`rtnl_create_link` with no attributes).
    /// `name` may be a template such as `tlsnic%d`.
    pub(crate) fn create(
        _rtnl: &Rtnl,
        ops: &'static LinkOps<T>,
        net: &Net,
        name: &IfName,
    ) -> Result<Self> {
        let assign = if name.is_template() {
            bindings::NET_NAME_ENUM
        } else {
            bindings::NET_NAME_USER
        };
        // `rtnl_create_link` reads optional attributes from a `tb[IFLA_MAX + 1]` array.
        let mut tb = [ptr::null_mut::<bindings::nlattr>(); bindings::TLSNIC_IFLA_MAX as usize + 1];
        // SAFETY: RTNL is held; `name` is NUL-terminated; `ops` is registered for as long as
        // devices of kind `T` exist (`Registration` unregisters them before the ops go away);
        // `tb` has `IFLA_MAX + 1` entries; a null extack is allowed.
        let dev = unsafe {
            bindings::rtnl_create_link(
                net.as_raw(),
                name.as_bytes_with_nul().as_ptr(),
                assign as u8,
                ops.0.get(),
                tb.as_mut_ptr(),
                ptr::null_mut(),
            )
        };
        let dev = kernel::error::from_err_ptr(dev)?;
        Ok(Self(NonNull::new(dev).ok_or(ENOMEM)?, PhantomData))
    }

    /// Registers the device. It then lives until it is unregistered, which needs RTNL, so it is
    /// borrowed for as long as `rtnl` is held.
    pub(crate) fn register(self, _rtnl: &Rtnl) -> Result<&Device<T>> {
        let this = ManuallyDrop::new(self);
        // SAFETY: RTNL is held; the device is allocated and not registered.
        let ret = unsafe { bindings::register_netdevice(this.0.as_ptr()) };
        if ret != 0 {
            // A device whose registration failed is still ours to free (`free_netdev` defers
            // the free if the core is still unwinding it); `Drop` drops the private data unless
            // the core's unwinding did or will.
            drop(ManuallyDrop::into_inner(this));
            return Err(Error::from_errno(ret));
        }
        // SAFETY: the device is registered; it is freed only after an unregistration under RTNL
        // completes, which cannot happen while the caller holds `rtnl`.
        Ok(unsafe { Device::from_raw(this.0.as_ptr()) })
    }
}

impl<T: Driver> Drop for NewDevice<T> {
    fn drop(&mut self) {
        let dev = self.0.as_ptr();
        // SAFETY: the device is not registered (never, or its registration failed), RTNL is held
        // (a `NewDevice` exists only under it) and nothing else owns the device.
        unsafe {
            Adapter::<T>::drop_priv_unregistered(dev);
            bindings::free_netdev(dev);
        }
    }
}

/// The device handed to [`Driver::newlink`], allocated by the rtnetlink core.
pub(crate) struct NewLink<'a, T: Driver>(pub(super) &'a Device<T>);

impl<'a, T: Driver> NewLink<'a, T> {
    /// The device, before registration.
    pub(crate) fn device(&self) -> &Device<T> {
        self.0
    }

    /// Registers the device. On failure (and on any error `newlink` returns) the core frees it,
    /// and the private data is dropped (see [`Driver::Priv`]).
    pub(crate) fn register(self, _rtnl: &'a Rtnl) -> Result<&'a Device<T>> {
        // SAFETY: `newlink` runs under RTNL with an allocated, unregistered device.
        to_result(unsafe { bindings::register_netdevice(self.0.as_raw()) })?;
        Ok(self.0)
    }
}

/// The list of devices a `dellink` batch unregisters.
pub(crate) struct UnregisterQueue(pub(super) *mut bindings::list_head);

impl UnregisterQueue {
    /// Queues `dev` for unregistration with the rest of the batch.
    pub(crate) fn add<T: Driver>(&mut self, _rtnl: &Rtnl, dev: &Device<T>) {
        // SAFETY: RTNL is held; the list head comes from the core's `dellink` call (or is null,
        // which unregisters at once).
        unsafe { bindings::unregister_netdevice_queue(dev.as_raw(), self.0) }
    }
}

/// A pointer from one device of driver `T` to another, published with RCU.
///
/// # Invariants
///
/// A non-null pointer refers to a device satisfying [`Device`]'s invariants. It is only changed
/// under RTNL, and cleared (under RTNL) before the device it points to is unregistered; devices
/// are freed only after an RCU grace period following their unregistration.
pub(crate) struct PeerLink<T: Driver>(AtomicPtr<bindings::net_device>, PhantomData<T>);

impl<T: Driver> PeerLink<T> {
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

/// A device being set up by [`Driver::setup`], before anything else can see it.
pub(crate) struct SetupDevice<'a>(pub(super) &'a mut bindings::net_device);

impl SetupDevice<'_> {
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

    /// Allows GSO packets up to the largest size the stack builds.
    pub(crate) fn set_max_tso(&mut self) {
        // SAFETY: the device is being set up and not yet visible to anyone else.
        unsafe { bindings::netif_set_tso_max_size(self.0, bindings::GSO_MAX_SIZE) }
    }
}
