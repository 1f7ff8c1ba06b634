/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers tlsnic generates its own Rust bindings from: what the kernel's
 * `kernel::bindings` does not cover (netdevice internals, rtnetlink links,
 * ethtool, kTLS, crypto AEAD, BPF) plus the C shim.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "../shim/tlsnic_shim.h"
