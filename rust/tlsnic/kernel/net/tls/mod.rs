// SPDX-License-Identifier: GPL-2.0

//! Kernel TLS device offload (`include/net/tls.h`): the [`TlsDevOps`] trait (`struct
//! tlsdev_ops`), the socket the TLS core sets offload up for ([`TlsSocket`]), and where the
//! driver's per-flow state lives (the TLS context's driver-state slots, through
//! [`ForeignOwnable`]). The transmit side's view of records and skbs is in [`tx`].
//!
//! The contract is `Documentation/networking/tls-offload.rst`.

use crate::base::bindings;
use crate::base::net::device::{Device, NetDeviceOps, SetupDevice};
use crate::base::net::sock::{HeldData, Socket};
use crate::base::sync::{new_spinlock_bh, SpinLockBh};
use core::{marker::PhantomData, mem, ops::Deref, ptr};
use kernel::{
    error::from_result,
    ffi::{c_int, c_void},
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::{ForeignOwnable, Opaque},
};

pub(crate) mod tx;

/// Offload direction (`enum tls_offload_ctx_dir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Transmit: the device encrypts.
    Tx,
    /// Receive: the device decrypts.
    Rx,
}

impl Direction {
    fn from_raw(dir: bindings::tls_offload_ctx_dir) -> Option<Self> {
        match dir as i32 {
            bindings::TLSNIC_TLS_DIR_TX => Some(Self::Tx),
            bindings::TLSNIC_TLS_DIR_RX => Some(Self::Rx),
            _ => None,
        }
    }

    fn as_raw(self) -> c_int {
        match self {
            Self::Tx => bindings::TLSNIC_TLS_DIR_TX,
            Self::Rx => bindings::TLSNIC_TLS_DIR_RX,
        }
    }
}

/// How the TLS core helps a device that lost track of a receive flow's records
/// (`enum tls_offload_sync_type`). Each receive flow has its own, set on the socket by
/// `tls_dev_add` ([`RxResyncCtl`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RxResync {
    /// `TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT`: once records stop arriving decrypted, the core
    /// tells the device where the next record starts ([`TlsDevOps::resync_rx`]).
    CoreNextHint,
    /// `TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ`: the device asks about a header it found
    /// ([`RxResyncCtl::request`]); the core's record parser confirms it through
    /// [`TlsDevOps::resync_rx`].
    DriverReq,
    /// `TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ_ASYNC`: the device opens a window
    /// ([`RxResyncCtl::async_start`]) and later names a header in it
    /// ([`RxResyncCtl::async_end`]); the core confirms through [`TlsDevOps::resync_rx`].
    DriverReqAsync,
}

impl RxResync {
    fn as_raw(self) -> c_int {
        match self {
            Self::CoreNextHint => bindings::TLSNIC_TLS_SYNC_CORE_NEXT_HINT,
            Self::DriverReq => bindings::TLSNIC_TLS_SYNC_DRIVER_REQ,
            Self::DriverReqAsync => bindings::TLSNIC_TLS_SYNC_DRIVER_REQ_ASYNC,
        }
    }
}

/// The socket of a receive flow, while the flow is offloaded.
struct SockPtr(*mut bindings::sock);

// SAFETY: the pointer is only dereferenced (by the C helpers) under the lock that holds it,
// while the socket's receive offload exists (see `RxResyncCtl`); any CPU may do so.
unsafe impl Send for SockPtr {}

/// A receive flow's line to the TLS core's resync state: its mode, the socket it may ask
/// (`tls_offload_rx_resync_request`), and the `struct tls_offload_resync_async` the core reads
/// in [`RxResync::DriverReqAsync`]. It lives in the driver's flow; `tls_dev_add` connects it to
/// the socket, `tls_dev_del` disconnects it, and the requests of a disconnected one do nothing,
/// so a frame still being handled after `tls_dev_del` never reaches a socket that may be gone.
///
/// # Invariants
///
/// `sk` is null or a socket whose receive offload context exists (from `tls_dev_add` to
/// `tls_dev_del`).
#[pin_data]
pub(crate) struct RxResyncCtl {
    mode: RxResync,
    #[pin]
    sk: SpinLockBh<SockPtr>,
    /// Read and written by the core (through the socket's receive context) and by the async
    /// helpers; starts zeroed (no request).
    #[pin]
    async_req: Opaque<bindings::tls_offload_resync_async>,
}

// SAFETY: the device's side of `async_req` is only touched by the C helpers under `sk`'s lock
// (one CPU at a time). The core's side follows the kernel's own protocol, as with mlx5's
// structure: the request word is atomic, but `loglen`, `rcd_delta` and `log[]` are plain
// fields the core reads and writes from the socket's parser on another CPU while the device's
// `async_start` stores `loglen` and `rcd_delta`, with no lock in common. A torn or stale value
// there can only make the core confirm a wrong record number, and the device checks every
// resync point's record tag before it decrypts for the socket again (see `crate::rx`), so it
// costs offload, never data. The rest is a lock and a plain value.
unsafe impl Send for RxResyncCtl {}
// SAFETY: as above.
unsafe impl Sync for RxResyncCtl {}

impl RxResyncCtl {
    /// A control block for a flow in `mode`, not connected to a socket.
    pub(crate) fn new(mode: RxResync) -> impl PinInit<Self> {
        pin_init!(Self {
            mode,
            sk <- new_spinlock_bh!(SockPtr(ptr::null_mut()), "tlsnic_rx_resync"),
            async_req <- Opaque::ffi_init(|p: *mut bindings::tls_offload_resync_async| {
                // SAFETY: `p` is valid for writing one structure; all-zero is its idle state
                // (no request, empty log).
                unsafe { ptr::write_bytes(p, 0, 1) }
            }),
        })
    }

    /// Runs `f` with the socket, if connected, under the lock (softirq-safe).
    fn with_sock(
        &self,
        f: impl FnOnce(*mut bindings::sock, *mut bindings::tls_offload_resync_async),
    ) -> bool {
        let sk = self.sk.lock();
        if sk.0.is_null() {
            return false;
        }
        f(sk.0, self.async_req.get());
        true
    }

    /// `tls_offload_rx_resync_request(sk, seq)`: asks the core to confirm the header whose
    /// *last* byte is at `seq`. Returns whether it was asked: only a connected flow in
    /// [`RxResync::DriverReq`] asks.
    pub(crate) fn request(&self, seq: u32) -> bool {
        // In the other modes the context's `resync_req` is not the core's to read as a request:
        // in `DriverReqAsync` it shares a union with the `resync_async` pointer.
        if self.mode != RxResync::DriverReq {
            return false;
        }
        // The resync type is `TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ` (set by `connect` from
        // `self.mode`, checked above), so `resync_req` is the union's live field.
        // SAFETY: `sk`'s receive offload context exists (type invariant, held by the lock);
        // `resync_req` is live (above); the helper writes it atomically.
        self.with_sock(|sk, _| unsafe { bindings::tlsnic_tls_rx_resync_request(sk, seq) })
    }

    /// `tls_offload_rx_resync_async_request_start(resync_async, seq, len)`: the core logs the
    /// headers it parses in `[seq, seq + len]`. Returns whether it was asked: only a connected
    /// flow in [`RxResync::DriverReqAsync`] asks (the async calls below likewise).
    pub(crate) fn async_start(&self, seq: u32, len: u16) -> bool {
        // SAFETY: `a` is this control block's structure, valid as long as it; the helper writes
        // its request word atomically and resets its log (see the `Send` implementation for
        // the fields the core also touches).
        self.with_async(|a| unsafe { bindings::tlsnic_tls_rx_resync_async_start(a, seq, len) })
    }

    /// `tls_offload_rx_resync_async_request_end(resync_async, seq)`: the header the device
    /// settled on starts at `seq`.
    pub(crate) fn async_end(&self, seq: u32) -> bool {
        // SAFETY: as in `async_start`.
        self.with_async(|a| unsafe { bindings::tlsnic_tls_rx_resync_async_end(a, seq) })
    }

    /// `tls_offload_rx_resync_async_request_cancel(resync_async)`.
    pub(crate) fn async_cancel(&self) -> bool {
        // SAFETY: as in `async_start`.
        self.with_async(|a| unsafe { bindings::tlsnic_tls_rx_resync_async_cancel(a) })
    }

    /// Runs `f` with the asynchronous structure, if the flow is connected and in
    /// [`RxResync::DriverReqAsync`] (the only mode whose socket points at it).
    fn with_async(&self, f: impl FnOnce(*mut bindings::tls_offload_resync_async)) -> bool {
        self.mode == RxResync::DriverReqAsync && self.with_sock(|_, a| f(a))
    }

    /// Connects the control block to `sk` and sets the socket's resync type (and, for
    /// [`RxResync::DriverReqAsync`], its `resync_async`).
    ///
    /// # Safety
    ///
    /// `sk` is locked by the caller and its receive offload context exists (`tls_dev_add`); the
    /// control block stays at its address until the flow's `tls_dev_del` at least, and
    /// [`Self::disconnect`] is called there before the flow is released.
    unsafe fn connect(&self, sk: *mut bindings::sock) {
        if self.mode == RxResync::DriverReqAsync {
            // The context (and the pointer stored in it) lives until the socket is destroyed, the
            // structure only until the flow goes after `tls_dev_del`; the core reads it from its
            // record parser, and only while the device offloads the socket's receive side: on
            // close, the parser is stopped under the socket lock before `tls_dev_del`; on device
            // down, `tls_device_down` sets `TLS_RX_DEV_DEGRADED`, which the parser tests first,
            // before it calls `tls_dev_del`. A parser in process context that tested the flag
            // just before it was set can still read the structure as the flow goes: a window of
            // the kernel's own, which mlx5's structure has too (Documentation/tls-rx-offload.rst).
            // SAFETY: per the function's contract, `sk`'s receive context exists; the structure
            // outlives the core's reads of it (above).
            unsafe { bindings::tlsnic_tls_rx_set_resync_async(sk, self.async_req.get()) };
        }
        // SAFETY: per the function's contract; the resync type is one of the context's fields.
        unsafe { bindings::tlsnic_tls_rx_resync_set_type(sk, self.mode.as_raw()) };
        self.sk.lock().0 = sk;
    }

    /// Disconnects the control block: later requests from the device do nothing
    /// (`tls_dev_del`). The socket's context keeps its resync type and pointer; the core stops
    /// reading them as said in [`Self::connect`].
    fn disconnect(&self) {
        self.sk.lock().0 = ptr::null_mut();
    }
}

/// The kTLS offload callbacks of a driver. A successful `add_*` hands the TLS core a flow, which
/// lives in the socket's TLS context until the matching `del_*`.
#[vtable]
pub(crate) trait TlsDevOps: NetDeviceOps {
    /// Per-flow state of a transmit-offloaded socket.
    type TxFlow: ForeignOwnable + Send + Sync;

    /// Per-flow state of a receive-offloaded socket, kept in the TLS context as an `Arc`.
    type RxFlow: Send + Sync;

    /// The resync control block of a receive flow (a field of the flow: the flow's `Arc`
    /// keeps it in place for as long as the flow lives).
    fn rx_resync(flow: &Self::RxFlow) -> &RxResyncCtl;

    /// `tls_dev_add` for transmit: `sock` asks (locked by the caller); `crypto_info` holds the
    /// raw bytes of the socket's `union tls_crypto_context` (a `struct tls_crypto_info` header,
    /// then the cipher's layout); `start_seq` is the first TCP sequence number the device is
    /// responsible for. Process context. An error leaves the socket on software kTLS.
    fn add_tx(
        dev: &Device<Self>,
        sock: &TlsSocket,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Self::TxFlow>;

    /// `tls_dev_del` for transmit: the flow is gone (process context; may run from a workqueue
    /// after the socket was closed, or when the device goes down).
    fn del_tx(dev: &Device<Self>, flow: Self::TxFlow);

    /// `tls_dev_resync` for transmit, which the core calls after the device asked
    /// ([`tx::TxSkb::request_resync`]): record `rcd_sn` of `flow` starts at TCP sequence number
    /// `seq`, the start of the record the socket is pushing. Process context, socket locked.
    fn resync_tx(
        dev: &Device<Self>,
        flow: <Self::TxFlow as ForeignOwnable>::Borrowed<'_>,
        seq: u32,
        rcd_sn: u64,
    );

    /// `tls_dev_add` for receive: as [`TlsDevOps::add_tx`]; `start_seq` is the TCP sequence
    /// number of the first record the device is responsible for; `held` is the data the socket
    /// holds unread (which may go past that record's start).
    fn add_rx(
        dev: &Device<Self>,
        sock: &TlsSocket,
        held: &HeldData<'_>,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Arc<Self::RxFlow>>;

    /// `tls_dev_del` for receive (process context, socket closing or device going down). The
    /// flow's [`RxResyncCtl`] is already disconnected.
    fn del_rx(dev: &Device<Self>, flow: Arc<Self::RxFlow>);

    /// `tls_dev_resync` for receive: the core's resync point, `seq` and `rcd_sn` as the core
    /// passes them (in [`RxResync::DriverReq`], `seq` is the last byte of the header the device
    /// asked about; elsewhere its first). Called inside `rcu_read_lock`, from the socket's
    /// reader or from the stream parser in softirq: it must not sleep.
    fn resync_rx(dev: &Device<Self>, flow: ArcBorrow<'_, Self::RxFlow>, seq: u32, rcd_sn: u64);
}

/// A socket with a TLS context, for which the TLS core is setting up or running offload; locked
/// by its owner.
///
/// # Invariants
///
/// The socket has a TLS context for as long as the reference exists (and `Socket`'s
/// invariants hold).
#[repr(transparent)]
pub(crate) struct TlsSocket(Socket);

impl TlsSocket {
    /// # Safety
    ///
    /// `sk` must be a live socket with a TLS context, locked by the caller, for `'a`.
    unsafe fn from_raw<'a>(sk: *mut bindings::sock) -> &'a Self {
        // SAFETY: `TlsSocket` is a transparent wrapper of `Socket`, whose contract the caller
        // meets.
        unsafe { &*(Socket::from_raw(sk) as *const Socket).cast::<Self>() }
    }

    fn ctx(&self) -> &TlsContext {
        // SAFETY: the socket has a TLS context (type invariant), which lives as long as it.
        unsafe { TlsContext::from_raw(bindings::tlsnic_tls_get_ctx(self.0.as_raw())) }
    }
}

impl Deref for TlsSocket {
    type Target = Socket;

    fn deref(&self) -> &Socket {
        &self.0
    }
}

/// A socket's TLS context (`struct tls_context`).
#[repr(transparent)]
pub(in crate::base) struct TlsContext(kernel::types::Opaque<bindings::tls_context>);

impl TlsContext {
    /// # Safety
    ///
    /// `ptr` must point to a live `tls_context` for the lifetime `'a`.
    pub(in crate::base) unsafe fn from_raw<'a>(ptr: *mut bindings::tls_context) -> &'a Self {
        // SAFETY: `TlsContext` is a transparent wrapper; the caller guarantees validity.
        unsafe { &*ptr.cast() }
    }

    pub(in crate::base) fn as_raw(&self) -> *mut bindings::tls_context {
        self.0.get()
    }

    /// The driver-state slot of direction `dir`, where the driver's flow is kept.
    ///
    /// # Safety
    ///
    /// The offload context of `dir` must exist (the core creates it before `tls_dev_add` and
    /// frees it after `tls_dev_del`).
    unsafe fn slot(&self, dir: Direction) -> *mut *mut c_void {
        // SAFETY: per the function's contract; the slot is at least pointer-sized and 8-byte
        // aligned (`TLS_DRIVER_STATE_SIZE_{TX,RX}`, `__aligned(8)`).
        unsafe { bindings::tlsnic_tls_driver_state(self.as_raw(), dir.as_raw()) }
    }

    /// Stores `flow` in the (empty) slot of `dir`.
    ///
    /// # Safety
    ///
    /// As [`Self::slot`]; the slot must be empty and only ever hold flows of type `F`.
    unsafe fn store_flow<F: ForeignOwnable>(&self, dir: Direction, flow: F) {
        // SAFETY: per the function's contract.
        unsafe { *self.slot(dir) = flow.into_foreign().cast_mut() };
    }

    /// Takes the flow out of the slot of `dir`, leaving it empty.
    ///
    /// # Safety
    ///
    /// As [`Self::store_flow`]; nobody may use the flow any more (`tls_dev_del`).
    unsafe fn take_flow<F: ForeignOwnable>(&self, dir: Direction) -> Option<F> {
        // SAFETY: per the function's contract.
        let raw = unsafe { mem::replace(&mut *self.slot(dir), ptr::null_mut()) };
        // SAFETY: a non-null slot holds a pointer from `into_foreign` of an `F` (see
        // `store_flow`) that was not converted back, and no borrow of it is left.
        unsafe { F::try_from_foreign(raw) }
    }

    /// The flow in the slot of `dir`.
    ///
    /// # Safety
    ///
    /// As [`Self::store_flow`]; the flow must stay in the slot for `'a`.
    pub(in crate::base) unsafe fn flow<'a, F: ForeignOwnable>(
        &self,
        dir: Direction,
    ) -> Option<F::Borrowed<'a>> {
        // SAFETY: per the function's contract.
        let raw = unsafe { *self.slot(dir) };
        // SAFETY: a non-null slot holds a pointer from `into_foreign` of an `F` that stays there
        // for `'a`.
        (!raw.is_null()).then(|| unsafe { F::borrow(raw) })
    }
}

/// `struct tlsdev_ops` of driver `T`.
struct TlsDevOpsTable<T: TlsDevOps>(PhantomData<T>);

impl<T: TlsDevOps> TlsDevOpsTable<T> {
    const VTABLE: bindings::tlsdev_ops = bindings::tlsdev_ops {
        tls_dev_add: Some(Self::tls_dev_add),
        tls_dev_del: Some(Self::tls_dev_del),
        tls_dev_resync: Some(Self::tls_dev_resync),
    };

    const fn build() -> &'static bindings::tlsdev_ops {
        &Self::VTABLE
    }

    /// `tls_dev_add`: [`TlsDevOps::add_tx`] or [`TlsDevOps::add_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core for a registered device of `T`, in process context, with a
    /// locked socket that has a TLS context and `crypto_info` pointing into that context.
    unsafe extern "C" fn tls_dev_add(
        netdev: *mut bindings::net_device,
        sk: *mut bindings::sock,
        direction: bindings::tls_offload_ctx_dir,
        crypto_info: *mut bindings::tls_crypto_info,
        start_offload_tcp_sn: u32,
    ) -> c_int {
        from_result(|| {
            // SAFETY: the TLS core calls `tls_dev_add` in process context on one of our devices,
            // for a locked socket with a TLS context.
            let (dev, sock) = unsafe { (Device::<T>::from_raw(netdev), TlsSocket::from_raw(sk)) };
            let dir = Direction::from_raw(direction).ok_or(EINVAL)?;
            // SAFETY: `crypto_info` points into the context's `union tls_crypto_context`, which
            // is as large as the largest structure a cipher's layout has.
            let raw = unsafe {
                core::slice::from_raw_parts(
                    crypto_info.cast::<u8>(),
                    mem::size_of::<bindings::tls_crypto_context>(),
                )
            };
            match dir {
                Direction::Tx => {
                    let flow = T::add_tx(dev, sock, raw, start_offload_tcp_sn)?;
                    // SAFETY: the transmit offload context was allocated before this call; its
                    // slot is empty and only ever holds `T::TxFlow`.
                    unsafe { sock.ctx().store_flow(Direction::Tx, flow) };
                }
                Direction::Rx => {
                    // SAFETY: the TLS core calls `tls_dev_add` from `setsockopt(SOL_TLS)`, in
                    // process context, with the socket owned through `lock_sock`; kTLS sockets
                    // are TCP sockets.
                    let held = unsafe { HeldData::new(sock) };
                    let flow = T::add_rx(dev, sock, &held, raw, start_offload_tcp_sn)?;
                    // The control block is a field of the flow, which the slot keeps alive (and an
                    // `Arc` keeps in place) until `tls_dev_del`, which disconnects it first.
                    // SAFETY: the socket is locked and its receive offload context exists (the
                    // core allocated it before this call); the block stays in place (above).
                    unsafe { T::rx_resync(&flow).connect(sk) };
                    // SAFETY: as above, for the receive context and `Arc<T::RxFlow>`.
                    unsafe { sock.ctx().store_flow(Direction::Rx, flow) };
                }
            }
            Ok(0)
        })
    }

    /// `tls_dev_del`: [`TlsDevOps::del_tx`] or [`TlsDevOps::del_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core, once per successful `tls_dev_add`, on the same device, in
    /// process context, when the device may no longer use the flow.
    unsafe extern "C" fn tls_dev_del(
        netdev: *mut bindings::net_device,
        ctx: *mut bindings::tls_context,
        direction: bindings::tls_offload_ctx_dir,
    ) {
        // SAFETY: per the function's contract.
        let (dev, ctx) = unsafe { (Device::<T>::from_raw(netdev), TlsContext::from_raw(ctx)) };
        match Direction::from_raw(direction) {
            Some(Direction::Tx) => {
                // SAFETY: the slot was filled by `tls_dev_add` with a `T::TxFlow`, and the
                // device no longer uses it.
                if let Some(flow) = unsafe { ctx.take_flow::<T::TxFlow>(Direction::Tx) } {
                    T::del_tx(dev, flow);
                }
            }
            Some(Direction::Rx) => {
                // SAFETY: as above, with an `Arc<T::RxFlow>`.
                if let Some(flow) = unsafe { ctx.take_flow::<Arc<T::RxFlow>>(Direction::Rx) } {
                    T::rx_resync(&flow).disconnect();
                    T::del_rx(dev, flow);
                }
            }
            None => {}
        }
    }

    /// `tls_dev_resync`: [`TlsDevOps::resync_tx`] or [`TlsDevOps::resync_rx`].
    ///
    /// # Safety
    ///
    /// Called only by the kTLS core for a device of `T` and a locked socket whose offload in
    /// `direction` is on this device, with `rcd_sn` pointing to 8 bytes.
    unsafe extern "C" fn tls_dev_resync(
        netdev: *mut bindings::net_device,
        sk: *mut bindings::sock,
        seq: u32,
        rcd_sn: *mut u8,
        direction: bindings::tls_offload_ctx_dir,
    ) -> c_int {
        from_result(|| {
            // SAFETY: per the function's contract; `rcd_sn` is the 8-byte big-endian record
            // sequence number.
            let (dev, sock, sn) = unsafe {
                (
                    Device::<T>::from_raw(netdev),
                    TlsSocket::from_raw(sk),
                    u64::from_be_bytes(ptr::read_unaligned(rcd_sn.cast::<[u8; 8]>())),
                )
            };
            match Direction::from_raw(direction).ok_or(EINVAL)? {
                Direction::Tx => {
                    // The slot keeps the flow for the whole call: on device-down, `tls_dev_del`
                    // runs under `device_offload_lock` for writing after the context's device
                    // was cleared, while the core calls this holding the lock for reading with
                    // the device set; on close, it runs only once the socket is destroyed,
                    // while the core calls this from `tls_push_record` under the socket's lock.
                    // SAFETY: the socket's transmit side is offloaded to `dev`, and the slot
                    // keeps the flow for the whole call (above).
                    let flow = unsafe { sock.ctx().flow::<T::TxFlow>(Direction::Tx) };
                    if let Some(flow) = flow {
                        T::resync_tx(dev, flow, seq, sn);
                    }
                }
                Direction::Rx => {
                    // SAFETY: the socket's receive side is offloaded to `dev`: the core never
                    // calls `tls_dev_resync` after `tls_dev_del`, so the slot holds the
                    // `Arc<T::RxFlow>` stored by `tls_dev_add` for the whole call.
                    let flow = unsafe { sock.ctx().flow::<Arc<T::RxFlow>>(Direction::Rx) };
                    if let Some(flow) = flow {
                        T::resync_rx(dev, flow, seq, sn);
                    }
                }
            }
            Ok(0)
        })
    }
}

impl<T: TlsDevOps> SetupDevice<'_, T> {
    /// Gives the device `T`'s kTLS offload callbacks (the features `HW_TLS_TX`/`HW_TLS_RX`
    /// announce them).
    pub(crate) fn set_tlsdev_ops(&mut self) {
        self.0.tlsdev_ops = TlsDevOpsTable::<T>::build();
    }
}
