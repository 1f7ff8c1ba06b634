// SPDX-License-Identifier: GPL-2.0

//! [`Adapter`]: the C callback tables (`net_device_ops`, `ethtool_ops`, `rtnl_link_ops`,
//! `tlsdev_ops`, the sysfs group's) that route the kernel's calls to a [`Driver`], in the style of
//! `rust/kernel/net/phy.rs`.

use super::*;

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

    pub(super) const SYSFS_OPS: bindings::tlsnic_sysfs_ops = bindings::tlsnic_sysfs_ops {
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
    pub(super) unsafe extern "C" fn setup(dev: *mut bindings::net_device) {
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
    pub(super) unsafe fn drop_priv_unregistered(dev: *mut bindings::net_device) {
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

    /// The body of a device's [`XmitWork`] work.
    ///
    /// # Safety
    ///
    /// Called only by the shim's work item of a [`XmitWork`], inside `rcu_read_lock_bh`, with
    /// the device of `T` the work was allocated for (which outlives the work).
    pub(super) unsafe extern "C" fn deferred_run(dev: *mut bindings::net_device) {
        // SAFETY: the shim runs the work inside `rcu_read_lock_bh`, on the device it was
        // allocated for, and `XmitWork::drop` (in the private data's destructor, before the
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
    pub(super) unsafe extern "C" fn newlink(
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
    pub(super) unsafe extern "C" fn dellink(
        dev: *mut bindings::net_device,
        head: *mut bindings::list_head,
    ) {
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
    pub(super) unsafe extern "C" fn get_link_net(
        dev: *const bindings::net_device,
    ) -> *mut bindings::net {
        // SAFETY: called on one of our registered devices.
        let dev = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
        let rcu = RcuGuard::lock();
        // A namespace outlives the devices in it, and the core holds RTNL or RCU around this call,
        // so the pointer stays valid for the caller after our own section ends.
        T::link_net(dev, &rcu).as_raw()
    }
}
