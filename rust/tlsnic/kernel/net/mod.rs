// SPDX-License-Identifier: GPL-2.0

//! Networking: one file per concept, after `rust/kernel/net`.
//!
//! - [`rtnl`]: the RTNL lock, network namespaces, extended acks;
//! - [`device`]: net devices and [`device::NetDeviceOps`] (`struct net_device_ops`);
//! - [`napi`]: a device's NAPI instance, scheduled on a chosen CPU;
//! - [`link`]: link kinds and [`link::RtnlLinkOps`] (`struct rtnl_link_ops`);
//! - [`ethtool`]: [`ethtool::EthtoolOps`] (`struct ethtool_ops`);
//! - [`skb`]: socket buffers;
//! - [`sock`]: sockets and their TCP connection;
//! - [`tls`]: kTLS device offload and [`tls::TlsDevOps`] (`struct tlsdev_ops`);
//! - [`xdp`]: native XDP: the attached program, running it on a frame, redirected frames.

pub(crate) mod device;
pub(crate) mod ethtool;
pub(crate) mod link;
pub(crate) mod napi;
pub(crate) mod rtnl;
pub(crate) mod skb;
pub(crate) mod sock;
pub(crate) mod tls;
pub(crate) mod xdp;
