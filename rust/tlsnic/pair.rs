// SPDX-License-Identifier: GPL-2.0

//! The tlsnic virtual NIC pair: two Ethernet devices joined by a virtual wire.
//!
//! A frame transmitted on one end is received on the other, also across network namespaces.
//! Carrier is up only while both ends are up. Deleting either end (`ip link del`, the deletion of
//! the namespace holding it, or module removal) deletes both.

use crate::netdev::{
    enametoolong, features, Device, Driver, ExtAck, LinkOps, Net, NewDevice, NewLink, PeerLink,
    Rcu, RcuGuard, Rtnl, SetupDevice, SkBuff, UnregisterQueue, ETH_HLEN, ETH_MAX_MTU, ETH_MIN_MTU,
};
use crate::offload::{self, TxFlow};
use crate::tls::Direction;
use crate::tlsnic_core::{
    ifname::{self, IfName, NameError},
    stats::Stats,
};
use kernel::{c_str, init::PinInit, pin_init, prelude::*, str::CStr};

/// What every tlsnic device offers: inline kTLS transmit offload, checksum offload (which the
/// core requires for it), scatter/gather and every software segmentation offload, like veth.
const FEATURES: u64 = features::HW_TLS_TX
    | features::SG
    | features::FRAGLIST
    | features::HW_CSUM
    | features::RXCSUM
    | features::SCTP_CRC
    | features::HIGHDMA
    | features::GSO_SOFTWARE
    | features::GSO_ENCAP_ALL;

/// The rtnetlink link kind `tlsnic`.
pub(crate) static LINK_OPS: LinkOps<Pair> = LinkOps::new();

/// The pair driver.
pub(crate) struct Pair;

/// Private data of each end.
#[pin_data]
pub(crate) struct PairPriv {
    /// The other end of the wire.
    peer: PeerLink<Pair>,
    /// Offload counters (`ethtool -S`).
    stats: Stats,
}

impl Driver for Pair {
    const KIND: &'static CStr = c_str!("tlsnic");
    type Priv = PairPriv;

    fn priv_init() -> impl PinInit<PairPriv> {
        pin_init!(PairPriv {
            peer: PeerLink::new(),
            stats: Stats::new(),
        })
    }

    fn setup(dev: &mut SetupDevice<'_>) {
        dev.set_features(FEATURES, FEATURES);
        // The full Ethernet range, as veth.
        dev.set_mtu_range(ETH_MIN_MTU, ETH_MAX_MTU);
        dev.set_no_carrier();
        dev.set_lockless_tx();
        dev.set_live_addr_change();
        dev.set_max_tso();
    }

    fn open(rtnl: &Rtnl, dev: &Device<Self>) -> Result {
        if let Some(peer) = dev.data().peer.get_rtnl(rtnl) {
            if peer.is_running() {
                dev.carrier_on();
                peer.carrier_on();
            }
        }
        Ok(())
    }

    fn stop(rtnl: &Rtnl, dev: &Device<Self>) -> Result {
        dev.carrier_off();
        if let Some(peer) = dev.data().peer.get_rtnl(rtnl) {
            peer.carrier_off();
        }
        Ok(())
    }

    fn start_xmit(rcu: &Rcu, dev: &Device<Self>, skb: SkBuff) {
        let Some(peer) = dev.data().peer.get(rcu) else {
            dev.count_tx_dropped();
            return;
        };
        // Inline TLS: plaintext records of offloaded sockets are encrypted here; a segment that
        // cannot be encrypted is dropped, never sent in clear.
        let Some(mut skb) = offload::xmit(dev, skb) else {
            dev.count_tx_dropped();
            return;
        };
        if !skb.may_pull(ETH_HLEN) {
            dev.count_tx_dropped();
            return;
        }
        skb.tx_timestamp();
        let len = skb.len();
        match skb.forward(peer) {
            Ok(()) => {
                dev.count_tx(len);
                peer.count_rx(len);
            }
            Err(_) => dev.count_tx_dropped(),
        }
    }

    fn iflink(dev: &Device<Self>) -> i32 {
        let rcu = RcuGuard::lock();
        dev.data().peer.get(&rcu).map_or(0, |peer| peer.ifindex())
    }

    fn link_net<'a>(dev: &'a Device<Self>, rcu: &'a Rcu) -> &'a Net {
        dev.data()
            .peer
            .get(rcu)
            .map_or(dev.net(), |peer| peer.net())
    }

    fn newlink(rtnl: &Rtnl, src_net: &Net, dev: NewLink<'_, Self>, extack: &ExtAck) -> Result {
        let peer_name = ifname::peer_name(&dev.device().name(rtnl)).map_err(|e| match e {
            NameError::TooLong => {
                extack.set_msg(c_str!("tlsnic: peer name NAME-p must fit in 15 bytes"));
                enametoolong()
            }
            NameError::Empty | NameError::Invalid => {
                extack.set_msg(c_str!("tlsnic: invalid device name"));
                EINVAL
            }
        })?;
        // The peer lives in the namespace the request came from, the new device where the
        // request put it (`ip link add NAME netns NS type tlsnic`).
        let peer = NewDevice::create(rtnl, &LINK_OPS, src_net, &peer_name)?.register(rtnl)?;
        let dev = peer
            .configure(rtnl)
            .and_then(|()| dev.register(rtnl))
            .inspect_err(|_| peer.unregister(rtnl))?;
        link(rtnl, dev, peer);
        Ok(())
    }

    fn stats(dev: &Device<Self>) -> &Stats {
        &dev.data().get_ref().stats
    }

    type TxFlow = TxFlow;

    fn tls_add_tx(
        dev: &Device<Self>,
        crypto_info: &[u8],
        start_seq: u32,
    ) -> Result<Pin<KBox<TxFlow>>> {
        offload::add_tx(&dev.data().stats, crypto_info, start_seq)
    }

    fn tls_del_tx(dev: &Device<Self>, flow: Pin<KBox<TxFlow>>) {
        offload::del_tx(&dev.data().stats, flow)
    }

    fn tls_resync(dev: &Device<Self>, dir: Direction, _seq: u32, _rcd_sn: u64) -> Result {
        offload::resync(&dev.data().stats, dir)
    }

    fn dellink(rtnl: &Rtnl, dev: &Device<Self>, queue: &mut UnregisterQueue) {
        let peer = dev.data().peer.get_rtnl(rtnl);
        dev.data().peer.set(rtnl, None);
        queue.add(rtnl, dev);
        if let Some(peer) = peer {
            peer.data().peer.set(rtnl, None);
            queue.add(rtnl, peer);
        }
    }
}

/// Joins two registered devices into a pair.
fn link(rtnl: &Rtnl, a: &Device<Pair>, b: &Device<Pair>) {
    a.data().peer.set(rtnl, Some(b));
    b.data().peer.set(rtnl, Some(a));
}

/// Creates one pair `tlsnicN` <-> `tlsnicN+1` in `net` (for the `pairs` module parameter).
pub(crate) fn create_pair(rtnl: &Rtnl, net: &Net) -> Result {
    let template = IfName::new(b"tlsnic%d").map_err(|_| EINVAL)?;
    let a = NewDevice::create(rtnl, &LINK_OPS, net, &template)?;
    let b = NewDevice::create(rtnl, &LINK_OPS, net, &template)?;
    let a = a.register(rtnl)?;
    let b = b.register(rtnl).inspect_err(|_| a.unregister(rtnl))?;
    link(rtnl, a, b);
    a.configure(rtnl)?;
    b.configure(rtnl)
}
