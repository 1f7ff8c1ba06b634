/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Headers tlsnic generates its own Rust bindings from: what the kernel's
 * `kernel::bindings` does not cover (netdevice internals, rtnetlink links,
 * ethtool, sockets, kTLS, the crypto API, BPF, sysfs, debugfs, work items)
 * plus the C shim.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <net/xdp.h>
#include <net/tls.h>

#include "../../shim/tlsnic_shim.h"

/*
 * Values bindgen cannot evaluate from macros (casts, enum arithmetic) are
 * exported as constants, the way the kernel's own rust/bindings does.
 */
const netdev_features_t TLSNIC_NETIF_F_SG = NETIF_F_SG;
const netdev_features_t TLSNIC_NETIF_F_FRAGLIST = NETIF_F_FRAGLIST;
const netdev_features_t TLSNIC_NETIF_F_HW_CSUM = NETIF_F_HW_CSUM;
const netdev_features_t TLSNIC_NETIF_F_RXCSUM = NETIF_F_RXCSUM;
const netdev_features_t TLSNIC_NETIF_F_HIGHDMA = NETIF_F_HIGHDMA;
const netdev_features_t TLSNIC_NETIF_F_SCTP_CRC = NETIF_F_SCTP_CRC;
const netdev_features_t TLSNIC_NETIF_F_GSO_SOFTWARE = NETIF_F_GSO_SOFTWARE;
const netdev_features_t TLSNIC_NETIF_F_GSO_ENCAP_ALL = NETIF_F_GSO_ENCAP_ALL;
const unsigned int TLSNIC_IFLA_MAX = IFLA_MAX;
const netdev_features_t TLSNIC_NETIF_F_HW_TLS_TX = NETIF_F_HW_TLS_TX;
const netdev_features_t TLSNIC_NETIF_F_HW_TLS_RX = NETIF_F_HW_TLS_RX;
const int TLSNIC_TLS_DIR_TX = TLS_OFFLOAD_CTX_DIR_TX;
const int TLSNIC_TLS_DIR_RX = TLS_OFFLOAD_CTX_DIR_RX;
const int TLSNIC_TLS_SYNC_CORE_NEXT_HINT = TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT;
const int TLSNIC_TLS_SYNC_DRIVER_REQ = TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ;
const int TLSNIC_TLS_SYNC_DRIVER_REQ_ASYNC = TLS_OFFLOAD_SYNC_TYPE_DRIVER_REQ_ASYNC;
const int TLSNIC_ETH_SS_STATS = ETH_SS_STATS;
const unsigned int TLSNIC_ETH_GSTRING_LEN = ETH_GSTRING_LEN;
const unsigned int TLSNIC_MAX_SKB_FRAGS = MAX_SKB_FRAGS;
const unsigned int TLSNIC_AF_INET = AF_INET;
const unsigned int TLSNIC_AF_INET6 = AF_INET6;
const unsigned int TLSNIC_IPPROTO_TCP = IPPROTO_TCP;
const gfp_t TLSNIC_GFP_KERNEL = GFP_KERNEL;
const gfp_t TLSNIC_GFP_ATOMIC = GFP_ATOMIC;
const gfp_t TLSNIC_GFP_ATOMIC_NOWARN = GFP_ATOMIC | __GFP_NOWARN;
const gfp_t TLSNIC_GFP_COMP = __GFP_COMP;
const u8 TLSNIC_CHECKSUM_PARTIAL = CHECKSUM_PARTIAL;
const u8 TLSNIC_CHECKSUM_UNNECESSARY = CHECKSUM_UNNECESSARY;
const u32 TLSNIC_CRYPTO_ALG_ASYNC = CRYPTO_ALG_ASYNC;
const u32 TLSNIC_CRYPTO_ALG_INTERNAL = CRYPTO_ALG_INTERNAL;
const unsigned int TLSNIC_XDP_HEADROOM = XDP_PACKET_HEADROOM;
const unsigned int TLSNIC_PAGE_SIZE = PAGE_SIZE;
/* The largest frame one XDP buffer (a page, its headroom and skb_shared_info) holds. */
const unsigned int TLSNIC_XDP_FRAME_MAX = SKB_WITH_OVERHEAD(PAGE_SIZE - XDP_PACKET_HEADROOM);
const u32 TLSNIC_XDP_FEATURES = NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT |
				NETDEV_XDP_ACT_NDO_XMIT;
