// SPDX-License-Identifier: GPL-2.0

//! Sockets: [`Socket`], a `struct sock` its owner has locked, the TCP connection it holds
//! ([`TcpEndpoints`]), and the data it holds unread ([`HeldData`]).
//!
//! C header: [`include/net/sock.h`](srctree/include/net/sock.h).

use crate::base::bindings;
use crate::base::net::rtnl::Net;
use core::marker::PhantomData;
use kernel::types::Opaque;

/// A socket (`struct sock`), locked by its owner.
///
/// # Invariants
///
/// The wrapped socket is live and locked by the thread that was handed the reference, for as
/// long as the reference exists.
#[repr(transparent)]
pub(crate) struct Socket(Opaque<bindings::sock>);

/// An IP address as a socket holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IpAddr {
    /// An IPv4 address (`AF_INET` socket).
    V4([u8; 4]),
    /// An IPv6 address (`AF_INET6` socket; IPv4 peers appear IPv4-mapped).
    V6([u8; 16]),
}

/// The two ends of a TCP connection, from the socket's side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TcpEndpoints {
    /// This end's address.
    pub(crate) local: IpAddr,
    /// The peer's address.
    pub(crate) remote: IpAddr,
    /// This end's port.
    pub(crate) local_port: u16,
    /// The peer's port.
    pub(crate) remote_port: u16,
}

impl Socket {
    /// # Safety
    ///
    /// `ptr` must point to a live socket, locked by the caller, for the lifetime `'a`.
    pub(in crate::base) unsafe fn from_raw<'a>(ptr: *mut bindings::sock) -> &'a Self {
        // SAFETY: `Socket` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    pub(in crate::base) fn as_raw(&self) -> *mut bindings::sock {
        self.0.get()
    }

    /// The TCP connection's addresses and ports; `None` if this is not a TCP socket over IPv4
    /// or IPv6.
    pub(crate) fn tcp_endpoints(&self) -> Option<TcpEndpoints> {
        let sk = self.as_raw();
        // SAFETY: the socket is live and locked (type invariant): its family, protocol, addresses
        // and ports are stable while it is.
        unsafe {
            if u32::from(bindings::tlsnic_sk_protocol(sk)) != bindings::TLSNIC_IPPROTO_TCP {
                return None;
            }
            let (local, remote) = match u32::from(bindings::tlsnic_sk_family(sk)) {
                bindings::TLSNIC_AF_INET => (
                    IpAddr::V4(bindings::tlsnic_sk_rcv_saddr(sk).to_ne_bytes()),
                    IpAddr::V4(bindings::tlsnic_sk_daddr(sk).to_ne_bytes()),
                ),
                bindings::TLSNIC_AF_INET6 => {
                    let local = bindings::tlsnic_sk_v6_rcv_saddr(sk);
                    let remote = bindings::tlsnic_sk_v6_daddr(sk);
                    if local.is_null() || remote.is_null() {
                        return None;
                    }
                    // `struct in6_addr` is 16 bytes of address, network order.
                    (
                        IpAddr::V6(local.cast::<[u8; 16]>().read()),
                        IpAddr::V6(remote.cast::<[u8; 16]>().read()),
                    )
                }
                _ => return None,
            };
            Some(TcpEndpoints {
                local,
                remote,
                local_port: bindings::tlsnic_sk_num(sk),
                remote_port: u16::from_be(bindings::tlsnic_sk_dport(sk)),
            })
        }
    }

    /// The network namespace of the socket.
    pub(crate) fn net(&self) -> &Net {
        // SAFETY: the socket is live; its namespace outlives it.
        unsafe { Net::from_raw(bindings::tlsnic_sock_net(self.as_raw())) }
    }
}

/// The TCP data a socket holds, not read yet: its receive queue, and the segments waiting in its
/// backlog while its owner holds it. Readable only while the caller owns the socket through
/// `lock_sock` (process context), as `tls_dev_add` does: a value exists only there.
///
/// # Invariants
///
/// `sk` is a live TCP socket that the thread holding this value owns through `lock_sock`, for
/// `'a`.
pub(crate) struct HeldData<'a> {
    sk: *mut bindings::sock,
    _sock: PhantomData<&'a Socket>,
}

impl<'a> HeldData<'a> {
    /// The data `sock` holds.
    ///
    /// # Safety
    ///
    /// `sock` must be a TCP socket that the caller owns through `lock_sock`, in process
    /// context, for `'a`.
    pub(in crate::base) unsafe fn new(sock: &'a Socket) -> Self {
        // INVARIANT: per the function's contract.
        Self {
            sk: sock.as_raw(),
            _sock: PhantomData,
        }
    }

    /// The next TCP sequence number the socket expects (`rcv_nxt`): the end of its receive
    /// queue.
    pub(crate) fn queue_end(&self) -> u32 {
        // SAFETY: the socket is a live TCP socket, owned by this thread (type invariant), so
        // `rcv_nxt` is stable.
        unsafe { bindings::tlsnic_tcp_rcv_nxt(self.sk) }
    }

    /// The end of the data the socket holds in order: [`HeldData::queue_end`], carried on
    /// through the segments that wait in order in its backlog.
    pub(crate) fn end(&self) -> u32 {
        // SAFETY: as above; the shim walks the backlog under its spinlock, which this thread
        // does not hold (it owns the socket through `lock_sock`, which released it).
        unsafe { bindings::tlsnic_tcp_held_end(self.sk) }
    }

    /// Copies the bytes of the stream at sequence number `seq` that the socket holds into
    /// `buf`: `false` (with `buf` in any state) if it does not hold all of them in order.
    pub(crate) fn read(&self, seq: u32, buf: &mut [u8]) -> bool {
        // SAFETY: as above; owning the socket keeps its receive queue as it is during the walk;
        // `buf` is valid for writes of its length.
        unsafe {
            bindings::tlsnic_tcp_held_copy(self.sk, seq, buf.as_mut_ptr().cast(), buf.len() as u32)
                == 0
        }
    }
}
