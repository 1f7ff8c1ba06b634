// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions for a virtual Ethernet driver.
//!
//! This is the only part of tlsnic that touches raw kernel pointers. It provides
//!
//! - [`Device`]: a registered (or registering) `struct net_device` whose private area holds the
//!   driver's [`Driver::Priv`],
//! - [`SkBuff`]: an owned `struct sk_buff`,
//! - [`Rtnl`] and [`Rcu`]: proof that the RTNL lock or an RCU read-side section is held,
//! - [`PeerLink`]: an RCU-published pointer from one device to another,
//! - [`Adapter`] and [`LinkOps`]: the tables (`net_device_ops`, `ethtool_ops`, `rtnl_link_ops`,
//!   `tlsdev_ops`) that route the kernel's callbacks to a [`Driver`] implementation, in the style
//!   of `rust/kernel/net/phy.rs`.
//!
//! The kTLS side (TLS contexts, record lists, the transmit view of an skb) is in `tls.rs`, the
//! kernel crypto API in `crypto.rs`.
//!
//! C headers: [`include/linux/netdevice.h`](srctree/include/linux/netdevice.h),
//! [`include/net/rtnetlink.h`](srctree/include/net/rtnetlink.h),
//! [`include/linux/skbuff.h`](srctree/include/linux/skbuff.h).

use crate::bindings;
use crate::tls::{Direction, TlsContext};
use crate::tlsnic_core::{ifname::IfName, packet::FlowKey, stats};
use core::{
    marker::PhantomData,
    mem::{self, ManuallyDrop},
    pin::Pin,
    ptr::{self, NonNull},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    init::PinInit,
    prelude::*,
    str::{CStr, CString},
    types::Opaque,
};

/// `-ENAMETOOLONG` (not among `kernel::error::code` in 6.12).
pub(crate) fn enametoolong() -> Error {
    Error::from_errno(-(bindings::ENAMETOOLONG as c_int))
}

/// Length of an Ethernet header.
pub(crate) const ETH_HLEN: u32 = bindings::ETH_HLEN;
/// Smallest MTU of an Ethernet device.
pub(crate) const ETH_MIN_MTU: u32 = bindings::ETH_MIN_MTU;
/// Largest MTU of an Ethernet device.
pub(crate) const ETH_MAX_MTU: u32 = bindings::ETH_MAX_MTU;

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

// ethtool copies counter names in `ETH_GSTRING_LEN` slots; the core crate checks the names fit.
const _: () = assert!(stats::GSTRING_LEN == bindings::TLSNIC_ETH_GSTRING_LEN as usize);

/// `-EOPNOTSUPP`.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as c_int))
}

/// Proof that the RTNL lock is held by the current thread.
///
/// Handed to the driver by the callbacks the kernel calls under RTNL, or obtained with
/// [`Rtnl::lock`].
pub(crate) struct Rtnl(PhantomData<*mut ()>);

impl Rtnl {
    /// Takes the RTNL lock; it is released when the guard is dropped.
    pub(crate) fn lock() -> RtnlGuard {
        // SAFETY: `rtnl_lock` may be called from any sleepable context; the guard unlocks.
        unsafe { bindings::rtnl_lock() };
        RtnlGuard(Rtnl(PhantomData))
    }

    /// Creates the token for code that runs under RTNL.
    ///
    /// # Safety
    ///
    /// The caller must hold the RTNL lock for as long as the token (and anything borrowed from it)
    /// lives.
    unsafe fn assume_held() -> Self {
        // SAFETY: `rtnl_is_locked` only reads the mutex state.
        debug_assert!(unsafe { bindings::tlsnic_rtnl_is_locked() });
        Rtnl(PhantomData)
    }
}

/// The RTNL lock, held until this guard is dropped.
pub(crate) struct RtnlGuard(Rtnl);

impl core::ops::Deref for RtnlGuard {
    type Target = Rtnl;

    fn deref(&self) -> &Rtnl {
        &self.0
    }
}

impl Drop for RtnlGuard {
    fn drop(&mut self) {
        // SAFETY: the guard was created by `Rtnl::lock`, so this thread holds RTNL. Unlocking also
        // runs the deferred frees of unregistered devices (`netdev_run_todo`).
        unsafe { bindings::rtnl_unlock() };
    }
}

/// Proof that the current thread is in an RCU read-side critical section.
///
/// Handed to the driver by callbacks the kernel calls inside one (`ndo_start_xmit`), or obtained
/// with [`RcuGuard::lock`].
pub(crate) struct Rcu(PhantomData<*mut ()>);

impl Rcu {
    /// Creates the token for code that runs inside an RCU read-side critical section.
    ///
    /// # Safety
    ///
    /// The caller must be inside such a section (`rcu_read_lock`, `rcu_read_lock_bh`, or with
    /// preemption or interrupts disabled) for as long as the token (and anything borrowed from
    /// it) lives.
    unsafe fn assume_held() -> Self {
        Rcu(PhantomData)
    }
}

/// An RCU read-side critical section, ended when the guard is dropped.
pub(crate) struct RcuGuard(Rcu);

impl RcuGuard {
    /// Enters an RCU read-side critical section.
    pub(crate) fn lock() -> Self {
        // SAFETY: `rcu_read_lock` may be called in any context; `Drop` ends the section.
        unsafe { bindings::tlsnic_rcu_read_lock() };
        RcuGuard(Rcu(PhantomData))
    }
}

impl core::ops::Deref for RcuGuard {
    type Target = Rcu;

    fn deref(&self) -> &Rcu {
        &self.0
    }
}

impl Drop for RcuGuard {
    fn drop(&mut self) {
        // SAFETY: this guard entered the section in `lock`.
        unsafe { bindings::tlsnic_rcu_read_unlock() };
    }
}

/// The `pairs` module parameter, declared in the C shim (the `module!` macro of 6.12 cannot
/// declare parameters).
pub(crate) fn param_pairs() -> u32 {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`.
    unsafe { ptr::addr_of!(bindings::tlsnic_param_pairs).read() }
}

/// The `engine` module parameter (declared in the C shim, like `pairs`): the engine of new
/// devices, as written to their `engine` attribute.
pub(crate) fn param_engine() -> &'static CStr {
    // SAFETY: the parameter is read-only (0444): only the module loader writes it, before `init`;
    // a `charp` parameter is a NUL-terminated string (the default is a string literal) that lives
    // as long as the module.
    unsafe { CStr::from_char_ptr(ptr::addr_of!(bindings::tlsnic_param_engine).read()) }
}

/// A device's deferred transmit work: packets that wait for an asynchronous crypto engine are
/// sent from it (`Driver::deferred_xmit`) once a completion kicks it. Allocated on first use
/// (process context), cancelled and freed with the device's private data.
pub(crate) struct DeferredTx(AtomicPtr<bindings::tlsnic_txq>);

impl DeferredTx {
    /// Not allocated yet.
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(ptr::null_mut()))
    }

    /// The work of `dev` (whose private data holds `self`), allocated on first use. Process
    /// context.
    pub(crate) fn get_or_alloc<T: Driver>(&self, dev: &Device<T>) -> Result<Kick> {
        if let Some(q) = NonNull::new(self.0.load(Ordering::Acquire)) {
            return Ok(Kick(q));
        }
        // SAFETY: `dev` is live; the work runs `deferred_run::<T>` on it until freed in `drop`.
        let q =
            unsafe { bindings::tlsnic_txq_alloc(dev.as_raw(), Some(Adapter::<T>::deferred_run)) };
        let q = NonNull::new(q).ok_or(ENOMEM)?;
        match self.0.compare_exchange(
            ptr::null_mut(),
            q.as_ptr(),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => Ok(Kick(q)),
            Err(other) => {
                // SAFETY: ours, never published or kicked.
                unsafe { bindings::tlsnic_txq_free(q.as_ptr()) };
                NonNull::new(other).map(Kick).ok_or(ENOMEM)
            }
        }
    }

    /// Schedules the work again (from the work itself), if allocated.
    pub(crate) fn kick(&self, rcu: &Rcu) {
        if let Some(q) = NonNull::new(self.0.load(Ordering::Acquire)) {
            Kick(q).kick(rcu);
        }
    }
}

impl Drop for DeferredTx {
    fn drop(&mut self) {
        if let Some(q) = NonNull::new(*self.0.get_mut()) {
            // SAFETY: allocated in `get_or_alloc`; the device is being freed, so its flows (and
            // their engines, which hold `Kick`s) are gone; the shim waits for an RCU grace period
            // (kicks run in read sections) and cancels the work before freeing it.
            unsafe { bindings::tlsnic_txq_free(q.as_ptr()) };
        }
    }
}

/// A handle that schedules a device's [`DeferredTx`] work, for completion callbacks.
///
/// # Invariants
///
/// The work is freed only after an RCU grace period that follows the teardown of every flow of
/// its device; a flow's engine holds its `Kick` no longer than the flow lives.
#[derive(Clone, Copy)]
pub(crate) struct Kick(NonNull<bindings::tlsnic_txq>);

// SAFETY: `queue_work` may be called from any context.
unsafe impl Send for Kick {}
// SAFETY: as above.
unsafe impl Sync for Kick {}

impl Kick {
    /// Schedules the work. Inside an RCU read-side section, which keeps the work allocated
    /// even if the flow that kicks it is torn down meanwhile (see the type invariant).
    pub(crate) fn kick(self, _rcu: &Rcu) {
        // SAFETY: per the type invariant and the read section, the work is live.
        unsafe { bindings::tlsnic_txq_kick(self.0.as_ptr()) }
    }
}

/// A network namespace (`struct net`).
#[repr(transparent)]
pub(crate) struct Net(Opaque<bindings::net>);

impl Net {
    /// The initial network namespace.
    pub(crate) fn init_ns() -> &'static Net {
        // SAFETY: `init_net` is a static object that lives as long as the kernel; `Net` is a
        // transparent wrapper around `struct net`.
        unsafe { &*ptr::addr_of_mut!(bindings::init_net).cast::<Net>() }
    }

    /// # Safety
    ///
    /// `ptr` must point to a `struct net` that stays alive for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::net) -> &'a Net {
        // SAFETY: the caller guarantees validity for `'a`; `Net` is transparent.
        unsafe { &*ptr.cast::<Net>() }
    }

    fn as_raw(&self) -> *mut bindings::net {
        self.0.get()
    }
}

/// A netlink extended-ack, where a netlink request can be given an error message.
pub(crate) struct ExtAck(*mut bindings::netlink_ext_ack);

impl ExtAck {
    /// Attaches `msg` to the failing request (like `NL_SET_ERR_MSG`).
    pub(crate) fn set_msg(&self, msg: &'static CStr) {
        if !self.0.is_null() {
            // SAFETY: a non-null extack passed to a link callback is valid for the callback's
            // duration; the message is a static string, as `NL_SET_ERR_MSG` requires.
            unsafe { (*self.0)._msg = msg.as_char_ptr() };
        }
    }
}

/// The part of a [`Driver`] the kernel calls through `net_device_ops`, `ethtool_ops` and
/// `rtnl_link_ops`.
pub(crate) trait Driver: Sized + Send + Sync + 'static {
    /// Driver name; also the link kind (`ip link add ... type KIND`).
    const KIND: &'static CStr;

    /// Per-device private data, initialised in place when the device is allocated and dropped
    /// exactly once when it is freed: by the device's `priv_destructor` (which clears itself),
    /// called by the core for a registered device and by the core's unwinding of a failed
    /// registration, or else by the failure paths here ([`Adapter::drop_priv_unregistered`]).
    type Priv: Send + Sync;

    /// Initialiser of the private data.
    fn priv_init() -> impl PinInit<Self::Priv>;

    /// Configures a newly allocated device (features, MTU range, ...).
    fn setup(dev: &mut SetupDevice<'_>);

    /// `ndo_open`: the device is brought up.
    fn open(rtnl: &Rtnl, dev: &Device<Self>) -> Result;

    /// `ndo_stop`: the device is brought down.
    fn stop(rtnl: &Rtnl, dev: &Device<Self>) -> Result;

    /// `ndo_start_xmit`: transmit (or drop) `skb`. The packet is always consumed. Runs inside an
    /// RCU read-side critical section (`rcu`).
    fn start_xmit(rcu: &Rcu, dev: &Device<Self>, skb: SkBuff);

    /// `ndo_get_iflink`: ifindex of the device this one is linked to (0 for none).
    fn iflink(dev: &Device<Self>) -> i32;

    /// `rtnl_link_ops.get_link_net`: the namespace of the linked device.
    fn link_net<'a>(dev: &'a Device<Self>, rcu: &'a Rcu) -> &'a Net;

    /// `rtnl_link_ops.newlink`: `ip link add ... type KIND`. Must register `dev` (or fail without
    /// registering it).
    fn newlink(rtnl: &Rtnl, src_net: &Net, dev: NewLink<'_, Self>, extack: &ExtAck) -> Result;

    /// `rtnl_link_ops.dellink`: queue `dev` (and whatever goes with it) for unregistration.
    fn dellink(rtnl: &Rtnl, dev: &Device<Self>, queue: &mut UnregisterQueue);

    /// The device's counters, reported by `ethtool -S`.
    fn stats(dev: &Device<Self>) -> &stats::Stats;

    /// The device's deferred transmit work ([`DeferredTx`]) ran: send what waited for an
    /// asynchronous engine. Process context, inside `rcu_read_lock_bh` (as `start_xmit`).
    fn deferred_xmit(rcu: &Rcu, dev: &Device<Self>);

    /// Per-flow state of a transmit-offloaded socket. Kept pinned in the socket's TLS
    /// driver-state slot from `tls_dev_add` to `tls_dev_del`.
    type TxFlow: Send + Sync + 'static;

    /// `tlsdev_ops.tls_dev_add` for transmit: `sock` is the socket asking (locked by the
    /// caller), `crypto_info` holds the raw
    /// `struct tls_crypto_info` bytes (as many as its cipher's layout, or only the 4-byte header
    /// for ciphers the kernel does not know how to offload); `start_seq` is the first TCP
    /// sequence number the device is responsible for. Process context. An error leaves the
    /// socket on software kTLS.
    fn tls_add_tx(
        dev: &Device<Self>,
        sock: &Socket,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Pin<KBox<Self::TxFlow>>>;

    /// `tlsdev_ops.tls_dev_del` for transmit: the flow is gone (process context; may run from a
    /// workqueue after the socket was closed).
    fn tls_del_tx(dev: &Device<Self>, flow: Pin<KBox<Self::TxFlow>>);

    /// `tlsdev_ops.tls_dev_resync` for transmit: the core tells the device that record `rcd_sn`
    /// starts at TCP sequence number `seq`.
    fn tls_resync_tx(dev: &Device<Self>, seq: u32, rcd_sn: u64) -> Result;

    /// Per-flow state of a receive-offloaded socket. Kept pinned in the socket's TLS
    /// driver-state slot from `tls_dev_add` to `tls_dev_del`.
    type RxFlow: Send + Sync + 'static;

    /// `tlsdev_ops.tls_dev_add` for receive: as [`Driver::tls_add_tx`]; `start_seq` is the TCP
    /// sequence number of the first record the device is responsible for.
    fn tls_add_rx(
        dev: &Device<Self>,
        sock: &Socket,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Pin<KBox<Self::RxFlow>>>;

    /// `tlsdev_ops.tls_dev_del` for receive (process context, socket closing or device going
    /// down).
    fn tls_del_rx(dev: &Device<Self>, flow: Pin<KBox<Self::RxFlow>>);

    /// `tlsdev_ops.tls_dev_resync` for receive: record `rcd_sn` starts at TCP sequence number
    /// `seq` (the core's next-record hint). Process context, socket lock held.
    fn tls_resync_rx(dev: &Device<Self>, flow: &Self::RxFlow, seq: u32, rcd_sn: u64);

    /// Reading `/sys/class/net/DEV/tlsnic/ATTR`: the text to show (one line).
    fn attr_show(dev: &Device<Self>, attr: Attr) -> Result<CString>;

    /// Writing `/sys/class/net/DEV/tlsnic/ATTR` (the written bytes, trailing newline included).
    /// Process context; the caller has `CAP_NET_ADMIN` in the device's namespace.
    fn attr_store(dev: &Device<Self>, attr: Attr, input: &[u8]) -> Result;
}

/// The attributes of a device's sysfs group `tlsnic` (defined in the C shim).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    /// `policy`: the BPF program choosing which flows are offloaded.
    Policy,
    /// `engine`: the crypto engine of new flows.
    Engine,
}

impl Attr {
    fn from_raw(attr: c_int) -> Option<Self> {
        match u32::try_from(attr).ok()? {
            bindings::TLSNIC_ATTR_POLICY => Some(Self::Policy),
            bindings::TLSNIC_ATTR_ENGINE => Some(Self::Engine),
            _ => None,
        }
    }
}

/// A socket (`struct sock`) the TLS core is setting up offload for.
///
/// # Invariants
///
/// The wrapped socket is live and locked by its owner for as long as a reference exists.
#[repr(transparent)]
pub(crate) struct Socket(Opaque<bindings::sock>);

impl Socket {
    /// # Safety
    ///
    /// `ptr` must point to a live socket, locked by the caller, for the lifetime `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::sock) -> &'a Self {
        // SAFETY: `Socket` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    /// The raw socket, for the BPF policy run.
    pub(crate) fn as_ptr(&self) -> *mut bindings::sock {
        self.0.get()
    }

    /// The TCP connection's addresses, ports and namespace; `None` if it is not a TCP socket
    /// over IPv4 or IPv6.
    pub(crate) fn id(&self) -> Option<SocketId> {
        let mut key = FlowKey {
            remote: [0; 16],
            local: [0; 16],
            remote_port: 0,
            local_port: 0,
        };
        // SAFETY: the socket is live and locked (type invariant); the out pointers are valid
        // for 16 bytes (addresses) and one u16 each.
        let known = unsafe {
            bindings::tlsnic_sock_flow_key(
                self.as_ptr(),
                key.remote.as_mut_ptr(),
                key.local.as_mut_ptr(),
                &mut key.remote_port,
                &mut key.local_port,
            )
        };
        // SAFETY: as above.
        let net = unsafe { bindings::tlsnic_sock_net_cookie(self.as_ptr()) };
        known.then_some(SocketId { key, net })
    }
}

/// A TCP connection seen from its socket: the key the receive path matches packets against.
#[derive(Clone, Copy)]
pub(crate) struct SocketId {
    /// Addresses and ports, from the socket's side.
    pub(crate) key: FlowKey,
    /// The socket's network namespace (`net->net_cookie`).
    pub(crate) net: u64,
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
    unsafe fn from_raw<'a>(ptr: *mut bindings::net_device) -> &'a Self {
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
pub(crate) struct NewLink<'a, T: Driver>(&'a Device<T>);

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
pub(crate) struct UnregisterQueue(*mut bindings::list_head);

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

/// A device being set up by [`Driver::setup`], before anything else can see it.
pub(crate) struct SetupDevice<'a>(&'a mut bindings::net_device);

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

/// Adapter from the kernel's callback tables to a [`Driver`].
pub(crate) struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const NETDEV_OPS: bindings::net_device_ops = bindings::net_device_ops {
        ndo_open: Some(Self::ndo_open),
        ndo_stop: Some(Self::ndo_stop),
        ndo_start_xmit: Some(Self::ndo_start_xmit),
        ndo_get_stats64: Some(bindings::dev_get_tstats64),
        ndo_set_mac_address: Some(bindings::eth_mac_addr),
        ndo_validate_addr: Some(bindings::eth_validate_addr),
        ndo_get_iflink: Some(Self::ndo_get_iflink),
        // SAFETY: `net_device_ops` holds only optional function pointers; all-zero means "no
        // callback" for every remaining one.
        ..unsafe { mem::zeroed() }
    };

    const ETHTOOL_OPS: bindings::ethtool_ops = bindings::ethtool_ops {
        get_drvinfo: Some(Self::get_drvinfo),
        get_link: Some(bindings::ethtool_op_get_link),
        get_sset_count: Some(Self::get_sset_count),
        get_strings: Some(Self::get_strings),
        get_ethtool_stats: Some(Self::get_ethtool_stats),
        // SAFETY: `ethtool_ops` holds capability bits and optional function pointers; all-zero
        // means "no capability, no callback".
        ..unsafe { mem::zeroed() }
    };

    const TLSDEV_OPS: bindings::tlsdev_ops = bindings::tlsdev_ops {
        tls_dev_add: Some(Self::tls_dev_add),
        tls_dev_del: Some(Self::tls_dev_del),
        tls_dev_resync: Some(Self::tls_dev_resync),
    };

    const SYSFS_OPS: bindings::tlsnic_sysfs_ops = bindings::tlsnic_sysfs_ops {
        show: Some(Self::attr_show),
        store: Some(Self::attr_store),
    };

    /// Shows `/sys/class/net/DEV/tlsnic/ATTR` into `buf` (`PAGE_SIZE` bytes).
    ///
    /// # Safety
    ///
    /// Called only by sysfs, for an attribute of the `tlsnic` group, which exists only on devices
    /// of `T`: `d` is such a device's `struct device` and `buf` is valid for the call (`PAGE_SIZE`
    /// bytes to show into, or the `len` bytes written).
    unsafe extern "C" fn attr_show(
        dev: *mut bindings::net_device,
        attr: c_int,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: sysfs calls the attribute's `show` on a registered device of ours (the group is
        // set only on them), whose attributes are removed before it is freed.
        let dev = unsafe { Device::<T>::from_raw(dev) };
        let Some(attr) = Attr::from_raw(attr) else {
            return EINVAL.to_errno() as isize;
        };
        match T::attr_show(dev, attr) {
            Ok(text) => {
                let bytes = text.as_bytes();
                let len = bytes.len().min(kernel::page::PAGE_SIZE - 1);
                // SAFETY: sysfs hands `show` a buffer of `PAGE_SIZE` bytes; `len` is less.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), len) };
                len as isize
            }
            Err(e) => e.to_errno() as isize,
        }
    }

    /// Stores a write to `/sys/class/net/DEV/tlsnic/ATTR`.
    ///
    /// # Safety
    ///
    /// Called only by sysfs, for an attribute of the `tlsnic` group, which exists only on devices
    /// of `T`: `d` is such a device's `struct device` and `buf` is valid for the call (`PAGE_SIZE`
    /// bytes to show into, or the `len` bytes written).
    unsafe extern "C" fn attr_store(
        dev: *mut bindings::net_device,
        attr: c_int,
        buf: *const c_char,
        len: usize,
    ) -> isize {
        // SAFETY: as in `attr_show`; sysfs passes `len` valid bytes at `buf` (NUL-terminated,
        // at most `PAGE_SIZE - 1`), in the writer's process context.
        let (dev, input) = unsafe {
            (
                Device::<T>::from_raw(dev),
                core::slice::from_raw_parts(buf.cast::<u8>(), len),
            )
        };
        let Some(attr) = Attr::from_raw(attr) else {
            return EINVAL.to_errno() as isize;
        };
        match T::attr_store(dev, attr, input) {
            Ok(()) => len as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// `rtnl_link_ops.setup` (also run by `alloc_netdev`): generic Ethernet setup, the ops
    /// tables, the private data, then the driver's own setup.
    ///
    /// # Safety
    ///
    /// Called only by the core, once, on a newly allocated device of `T`'s link ops whose private
    /// area is uninitialised, before anything else uses the device.
    unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
        // SAFETY: the core calls `setup` once on a freshly allocated, zeroed device whose private
        // area is `size_of::<T::Priv>()` bytes (the link ops' `priv_size`), aligned to
        // `NETDEV_ALIGN`, which `LinkOps::new` checks is enough for `T::Priv`.
        unsafe {
            bindings::ether_setup(dev);
            (*dev).netdev_ops = &Self::NETDEV_OPS;
            (*dev).ethtool_ops = &Self::ETHTOOL_OPS;
            (*dev).tlsdev_ops = &Self::TLSDEV_OPS;
            bindings::tlsnic_netdev_set_sysfs_group(dev);
            (*dev).needs_free_netdev = true;
            (*dev).priv_destructor = Some(Self::priv_destructor);
            (*dev).set_pcpu_stat_type(bindings::netdev_stat_type_NETDEV_PCPU_STAT_TSTATS);
            bindings::tlsnic_eth_hw_addr_random(dev);
            let slot = bindings::tlsnic_netdev_priv(dev).cast::<T::Priv>();
            // The initialiser's error type is `Infallible`.
            let _ = T::priv_init().__pinned_init(slot);
            T::setup(&mut SetupDevice(&mut *dev));
        }
    }

    /// `priv_destructor`: drops the private data, when a registered device is freed or while
    /// the core unwinds a failed registration, and unsets itself, so that whoever frees the
    /// device afterwards can tell the private data is gone.
    ///
    /// # Safety
    ///
    /// `dev` is a device of `T` whose private data is initialised and not dropped (its
    /// `priv_destructor` is still set), and nothing else uses the private data any more.
    unsafe extern "C" fn priv_destructor(dev: *mut bindings::net_device) {
        // SAFETY: the private data was initialised in `setup`, and is still there because the
        // destructor is still set; the core calls it when nothing else uses the device any more
        // (or, unwinding a registration, before anything did).
        unsafe {
            ptr::drop_in_place(bindings::tlsnic_netdev_priv(dev).cast::<T::Priv>());
            (*dev).priv_destructor = None;
        }
    }

    /// Drops the private data of a device that is about to be freed without having been
    /// registered (never, or its registration failed), unless the core already did that through
    /// `priv_destructor` or will: a registration that failed after the device was listed
    /// (`NETDEV_REGISTER` refused) leaves it `NETREG_UNREGISTERING`, and the core's deferred
    /// unregistration calls the destructor once the last reference is gone.
    ///
    /// # Safety
    ///
    /// `dev` was allocated with `T`'s link ops (so `setup` initialised its private data), is not
    /// registered, RTNL is held, and the caller frees the device right after this call.
    unsafe fn drop_priv_unregistered(dev: *mut bindings::net_device) {
        // SAFETY: `dev` is a live device (see above); RTNL serialises its registration state.
        let unwinding = u32::from(unsafe { (*dev).reg_state })
            == bindings::netdev_reg_state_NETREG_UNREGISTERING;
        // SAFETY: as above; reading the destructor pointer is a plain field read.
        if !unwinding && unsafe { (*dev).priv_destructor }.is_some() {
            // SAFETY: the destructor is still set, so the private data is initialised and was
            // not dropped; nothing else references the unregistered device.
            unsafe { Self::priv_destructor(dev) }
        }
    }

    /// `ndo_open`: [`Driver::open`].
    ///
    /// # Safety
    ///
    /// Called only by the core through `net_device_ops`, for a registered device of `T`, in the
    /// context that callback's contract gives (`ndo_open`/`ndo_stop` under RTNL,
    /// `ndo_start_xmit` inside the core's RCU-bh section with an skb handed to us).
    unsafe extern "C" fn ndo_open(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `ndo_open` runs under RTNL on one of our devices.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
            T::open(&rtnl, dev)?;
            Ok(0)
        })
    }

    /// `ndo_stop`: [`Driver::stop`].
    ///
    /// # Safety
    ///
    /// Called only by the core through `net_device_ops`, for a registered device of `T`, in the
    /// context that callback's contract gives (`ndo_open`/`ndo_stop` under RTNL,
    /// `ndo_start_xmit` inside the core's RCU-bh section with an skb handed to us).
    unsafe extern "C" fn ndo_stop(dev: *mut bindings::net_device) -> c_int {
        from_result(|| {
            // SAFETY: `ndo_stop` runs under RTNL on one of our devices.
            let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
            T::stop(&rtnl, dev)?;
            Ok(0)
        })
    }

    /// `ndo_start_xmit`: [`Driver::start_xmit`].
    ///
    /// # Safety
    ///
    /// Called only by the core through `net_device_ops`, for a registered device of `T`, in the
    /// context that callback's contract gives (`ndo_open`/`ndo_stop` under RTNL,
    /// `ndo_start_xmit` inside the core's RCU-bh section with an skb handed to us).
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

    /// The body of a device's [`DeferredTx`] work.
    ///
    /// # Safety
    ///
    /// Called only by the shim's work item of a [`DeferredTx`], inside `rcu_read_lock_bh`, with
    /// the device of `T` the work was allocated for (which outlives the work).
    unsafe extern "C" fn deferred_run(dev: *mut bindings::net_device) {
        // SAFETY: the shim runs the work inside `rcu_read_lock_bh`, on the device it was
        // allocated for, and `DeferredTx::drop` (in the private data's destructor, before the
        // device is freed) cancels it.
        let (rcu, dev) = unsafe { (Rcu::assume_held(), Device::<T>::from_raw(dev)) };
        T::deferred_xmit(&rcu, dev);
    }

    /// `ndo_get_iflink`: the peer's ifindex.
    ///
    /// # Safety
    ///
    /// Called only by the core through `net_device_ops`, for a registered device of `T`, in the
    /// context that callback's contract gives (`ndo_open`/`ndo_stop` under RTNL,
    /// `ndo_start_xmit` inside the core's RCU-bh section with an skb handed to us).
    unsafe extern "C" fn ndo_get_iflink(dev: *const bindings::net_device) -> c_int {
        // SAFETY: called on one of our registered devices.
        T::iflink(unsafe { Device::<T>::from_raw(dev.cast_mut()) })
    }

    /// `ethtool_ops.get_drvinfo`: driver name and version.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core through `ethtool_ops`, for a registered device of `T`,
    /// with buffers of the size that callback's contract gives (as many entries as
    /// `get_sset_count` returned).
    unsafe extern "C" fn get_drvinfo(
        _dev: *mut bindings::net_device,
        info: *mut bindings::ethtool_drvinfo,
    ) {
        // SAFETY: the ethtool core passes a valid, zeroed `ethtool_drvinfo`.
        let info = unsafe { &mut *info };
        let name = T::KIND.as_bytes();
        let n = name.len().min(info.driver.len() - 1);
        for (d, s) in info.driver.iter_mut().zip(&name[..n]) {
            *d = *s as _;
        }
    }

    /// `ethtool_ops.get_sset_count`: how many counters `ethtool -S` shows.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core through `ethtool_ops`, for a registered device of `T`,
    /// with buffers of the size that callback's contract gives (as many entries as
    /// `get_sset_count` returned).
    unsafe extern "C" fn get_sset_count(_dev: *mut bindings::net_device, sset: c_int) -> c_int {
        if sset == bindings::TLSNIC_ETH_SS_STATS {
            stats::COUNT as c_int
        } else {
            -(bindings::EOPNOTSUPP as c_int)
        }
    }

    /// `ethtool_ops.get_strings`: the counters' names.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core through `ethtool_ops`, for a registered device of `T`,
    /// with buffers of the size that callback's contract gives (as many entries as
    /// `get_sset_count` returned).
    unsafe extern "C" fn get_strings(_dev: *mut bindings::net_device, sset: u32, data: *mut u8) {
        if sset as c_int != bindings::TLSNIC_ETH_SS_STATS {
            return;
        }
        let n = bindings::TLSNIC_ETH_GSTRING_LEN as usize;
        // SAFETY: the ethtool core passes a buffer of `get_sset_count` strings of
        // `ETH_GSTRING_LEN` bytes each.
        let out = unsafe { core::slice::from_raw_parts_mut(data, stats::COUNT * n) };
        for (chunk, name) in out.chunks_exact_mut(n).zip(stats::NAMES) {
            chunk.fill(0);
            // Names are checked to fit (with their NUL) by the core crate's tests.
            let len = name.len().min(n - 1);
            chunk[..len].copy_from_slice(&name.as_bytes()[..len]);
        }
    }

    /// `ethtool_ops.get_ethtool_stats`: the counters' values.
    ///
    /// # Safety
    ///
    /// Called only by the ethtool core through `ethtool_ops`, for a registered device of `T`,
    /// with buffers of the size that callback's contract gives (as many entries as
    /// `get_sset_count` returned).
    unsafe extern "C" fn get_ethtool_stats(
        dev: *mut bindings::net_device,
        _stats: *mut bindings::ethtool_stats,
        data: *mut u64,
    ) {
        // SAFETY: called on one of our devices with a buffer of `get_sset_count(ETH_SS_STATS)`
        // values.
        let (dev, out) = unsafe {
            (
                Device::<T>::from_raw(dev),
                core::slice::from_raw_parts_mut(data, stats::COUNT),
            )
        };
        T::stats(dev).fill(out);
    }

    /// `tlsdev_ops.tls_dev_add`: [`Driver::tls_add_tx`] or [`Driver::tls_add_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core through `tlsdev_ops`, for a registered device of `T`, with a
    /// socket and TLS context valid for the call, in the context the contract gives (process
    /// context; the socket locked for `tls_dev_add`).
    unsafe extern "C" fn tls_dev_add(
        netdev: *mut bindings::net_device,
        sk: *mut bindings::sock,
        direction: bindings::tls_offload_ctx_dir,
        crypto_info: *mut bindings::tls_crypto_info,
        start_offload_tcp_sn: u32,
    ) -> c_int {
        from_result(|| {
            // SAFETY: the TLS core calls `tls_dev_add` in process context on one of our devices,
            // for a socket with a TLS context.
            let dev = unsafe { Device::<T>::from_raw(netdev) };
            let dir = Direction::from_raw(direction).ok_or(EINVAL)?;
            // SAFETY: `crypto_info` points into the context's `union tls_crypto_context`, which
            // is at least as large as the largest structure `crypto_info_len` asks for.
            let raw = unsafe {
                let hdr = core::slice::from_raw_parts(crypto_info.cast::<u8>(), 4);
                let (_, cipher) =
                    crate::tlsnic_core::tls12::crypto_info_ids(hdr).map_err(|_| EINVAL)?;
                let len = crate::tlsnic_core::tls12::crypto_info_len(cipher)
                    .min(mem::size_of::<bindings::tls_crypto_context>());
                core::slice::from_raw_parts(crypto_info.cast::<u8>(), len)
            };
            // SAFETY: the socket has a TLS context (the core is setting up its offload).
            let ctx = unsafe { TlsContext::from_raw(bindings::tlsnic_tls_get_ctx(sk)) };
            // SAFETY: the core holds the socket's lock across `tls_dev_add`.
            let sock = unsafe { Socket::from_raw(sk) };
            match dir {
                Direction::Tx => {
                    let flow = T::tls_add_tx(dev, sock, raw, start_offload_tcp_sn)?;
                    // SAFETY: the transmit offload context was allocated before this call; its
                    // slot is empty and only ever holds `T::TxFlow`.
                    unsafe { ctx.store_flow(Direction::Tx, flow) };
                }
                Direction::Rx => {
                    let flow = T::tls_add_rx(dev, sock, raw, start_offload_tcp_sn)?;
                    // SAFETY: the receive offload context was allocated before this call; its
                    // slot is empty and only ever holds `T::RxFlow`.
                    unsafe { ctx.store_flow(Direction::Rx, flow) };
                    // The core then sends next-record hints (`tls_dev_resync`) once records
                    // stop arriving decrypted.
                    // SAFETY: the resync mode is a field of that same live context.
                    unsafe { bindings::tlsnic_tls_rx_resync_next_hint(sk) };
                }
            }
            Ok(0)
        })
    }

    /// `tlsdev_ops.tls_dev_del`: [`Driver::tls_del_tx`] or [`Driver::tls_del_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core through `tlsdev_ops`, for a registered device of `T`, with a
    /// socket and TLS context valid for the call, in the context the contract gives (process
    /// context; the socket locked for `tls_dev_add`).
    unsafe extern "C" fn tls_dev_del(
        netdev: *mut bindings::net_device,
        ctx: *mut bindings::tls_context,
        direction: bindings::tls_offload_ctx_dir,
    ) {
        // SAFETY: the TLS core calls `tls_dev_del` once per successful `tls_dev_add`, on the same
        // device, in process context, when the device may no longer use the flow.
        let (dev, ctx) = unsafe { (Device::<T>::from_raw(netdev), TlsContext::from_raw(ctx)) };
        match Direction::from_raw(direction) {
            Some(Direction::Tx) => {
                // SAFETY: as above; the slot was filled by `tls_dev_add` with a `T::TxFlow`.
                if let Some(flow) = unsafe { ctx.take_flow::<T::TxFlow>(Direction::Tx) } {
                    T::tls_del_tx(dev, flow);
                }
            }
            Some(Direction::Rx) => {
                // SAFETY: as above, with a `T::RxFlow`.
                if let Some(flow) = unsafe { ctx.take_flow::<T::RxFlow>(Direction::Rx) } {
                    T::tls_del_rx(dev, flow);
                }
            }
            None => {}
        }
    }

    /// `tlsdev_ops.tls_dev_resync`: [`Driver::tls_resync_tx`] or [`Driver::tls_resync_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core through `tlsdev_ops`, for a registered device of `T`, with a
    /// socket and TLS context valid for the call, in the context the contract gives (process
    /// context; the socket locked for `tls_dev_add`).
    unsafe extern "C" fn tls_dev_resync(
        netdev: *mut bindings::net_device,
        sk: *mut bindings::sock,
        seq: u32,
        rcd_sn: *mut u8,
        direction: bindings::tls_offload_ctx_dir,
    ) -> c_int {
        from_result(|| {
            // SAFETY: called on one of our devices; `rcd_sn` points to the 8-byte big-endian
            // record sequence number.
            let (dev, sn) = unsafe {
                let mut sn = [0u8; 8];
                ptr::copy_nonoverlapping(rcd_sn, sn.as_mut_ptr(), 8);
                (Device::<T>::from_raw(netdev), u64::from_be_bytes(sn))
            };
            match Direction::from_raw(direction).ok_or(EINVAL)? {
                Direction::Tx => T::tls_resync_tx(dev, seq, sn)?,
                Direction::Rx => {
                    // SAFETY: `sk` has a TLS context whose receive side is offloaded to `dev`:
                    // the core never calls `tls_dev_resync` after `tls_dev_del`, so the slot
                    // holds the `T::RxFlow` stored by `tls_dev_add` for the whole call.
                    let flow = unsafe {
                        TlsContext::from_raw(bindings::tlsnic_tls_get_ctx(sk))
                            .flow::<T::RxFlow>(Direction::Rx)
                    };
                    if let Some(flow) = flow {
                        T::tls_resync_rx(dev, flow, seq, sn);
                    }
                }
            }
            Ok(0)
        })
    }

    /// `rtnl_link_ops.newlink`: [`Driver::newlink`].
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core through `rtnl_link_ops`, under RTNL (or RCU for
    /// `get_link_net`), for devices of `T`; `newlink` gets one allocated with `T`'s link ops and
    /// not registered yet.
    unsafe extern "C" fn newlink(
        src_net: *mut bindings::net,
        dev: *mut bindings::net_device,
        _tb: *mut *mut bindings::nlattr,
        _data: *mut *mut bindings::nlattr,
        extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: `newlink` runs under RTNL with a live source namespace and a device the core
            // allocated with our link ops (so through `setup`).
            let (rtnl, net, dev) = unsafe {
                (
                    Rtnl::assume_held(),
                    Net::from_raw(src_net),
                    Device::<T>::from_raw(dev),
                )
            };
            T::newlink(&rtnl, net, NewLink(dev), &ExtAck(extack)).inspect_err(|_| {
                // SAFETY: on an error the core frees the device with `free_netdev`, which does
                // not call `priv_destructor`; the device is not registered (a driver's
                // `newlink` fails only before or by its registration), RTNL is held.
                unsafe { Self::drop_priv_unregistered(dev.as_raw()) }
            })?;
            Ok(0)
        })
    }

    /// `rtnl_link_ops.dellink`: [`Driver::dellink`].
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core through `rtnl_link_ops`, under RTNL (or RCU for
    /// `get_link_net`), for devices of `T`; `newlink` gets one allocated with `T`'s link ops and
    /// not registered yet.
    unsafe extern "C" fn dellink(dev: *mut bindings::net_device, head: *mut bindings::list_head) {
        // SAFETY: `dellink` runs under RTNL on one of our registered devices.
        let (rtnl, dev) = unsafe { (Rtnl::assume_held(), Device::<T>::from_raw(dev)) };
        T::dellink(&rtnl, dev, &mut UnregisterQueue(head));
    }

    /// `rtnl_link_ops.get_link_net`: the namespace of the peer.
    ///
    /// # Safety
    ///
    /// Called only by the rtnetlink core through `rtnl_link_ops`, under RTNL (or RCU for
    /// `get_link_net`), for devices of `T`; `newlink` gets one allocated with `T`'s link ops and
    /// not registered yet.
    unsafe extern "C" fn get_link_net(dev: *const bindings::net_device) -> *mut bindings::net {
        // SAFETY: called on one of our registered devices.
        let dev = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
        let rcu = RcuGuard::lock();
        // A namespace outlives the devices in it, and the core holds RTNL or RCU around this call,
        // so the pointer stays valid for the caller after our own section ends.
        T::link_net(dev, &rcu).as_raw()
    }
}

/// The `rtnl_link_ops` of driver `T`, to be placed in a `static`.
#[repr(transparent)]
pub(crate) struct LinkOps<T: Driver>(Opaque<bindings::rtnl_link_ops>, PhantomData<T>);

// SAFETY: the table is written only by `rtnl_link_register`/`rtnl_link_unregister`, which
// serialise on their own lock; everyone else only reads it.
unsafe impl<T: Driver> Sync for LinkOps<T> {}

impl<T: Driver> LinkOps<T> {
    /// Builds the table.
    pub(crate) const fn new() -> Self {
        // `netdev_priv` aligns the private area to `NETDEV_ALIGN`.
        assert!(mem::align_of::<T::Priv>() <= bindings::NETDEV_ALIGN as usize);
        Self(
            Opaque::new(bindings::rtnl_link_ops {
                kind: T::KIND.as_char_ptr(),
                priv_size: mem::size_of::<T::Priv>(),
                setup: Some(Adapter::<T>::setup),
                newlink: Some(Adapter::<T>::newlink),
                dellink: Some(Adapter::<T>::dellink),
                get_link_net: Some(Adapter::<T>::get_link_net),
                // SAFETY: all-zero is the valid "unset" value of every remaining field (an empty
                // list head is initialised by `rtnl_link_register`).
                ..unsafe { mem::zeroed() }
            }),
            PhantomData,
        )
    }
}

/// A registered link kind. Dropping it deletes every device of the kind, in every namespace.
pub(crate) struct Registration<T: Driver> {
    ops: &'static LinkOps<T>,
}

impl<T: Driver> Registration<T> {
    /// Registers `ops` with rtnetlink, enabling `ip link add ... type KIND`.
    pub(crate) fn register(ops: &'static LinkOps<T>) -> Result<Self> {
        // The devices' sysfs attributes forward to `T`; set before any device can exist.
        // SAFETY: the table is a constant with static lifetime.
        unsafe { bindings::tlsnic_sysfs_set_ops(&Adapter::<T>::SYSFS_OPS) };
        // SAFETY: `ops` is a static table; it stays registered until `drop`.
        to_result(unsafe { bindings::rtnl_link_register(ops.0.get()) })?;
        Ok(Self { ops })
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `register`. `rtnl_link_unregister` takes RTNL itself and calls
        // `dellink` for every device of this kind in every namespace before returning.
        unsafe { bindings::rtnl_link_unregister(self.ops.0.get()) }
        // No device of the kind (nor its attributes) is left.
        // SAFETY: a null table makes the attribute callbacks fail with `ENODEV`.
        unsafe { bindings::tlsnic_sysfs_set_ops(ptr::null()) }
    }
}
