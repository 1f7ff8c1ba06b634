// SPDX-License-Identifier: GPL-2.0

//! The [`Driver`] trait a net device driver implements, and the socket view its TLS callbacks
//! get.

use super::*;

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

    /// The device's deferred transmit work ([`XmitWork`]) ran: send what waited for an
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
    pub(super) fn from_raw(attr: c_int) -> Option<Self> {
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
    pub(super) unsafe fn from_raw<'a>(ptr: *mut bindings::sock) -> &'a Self {
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
