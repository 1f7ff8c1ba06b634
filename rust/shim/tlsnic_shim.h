/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsnic C shim: prototypes of the wrappers in tlsnic_shim.c.
 *
 * The Rust side of tlsnic cannot call `static inline` kernel functions or
 * macros; each wrapper here is a one-line, non-inline copy of one of them.
 * No logic lives here.
 */
#ifndef TLSNIC_SHIM_H
#define TLSNIC_SHIM_H

#include <linux/types.h>

struct net;
struct net_device;
struct sk_buff;

/* Module parameter "pairs" (module! in Rust 6.12 cannot declare parameters). */
extern unsigned int tlsnic_param_pairs;

void *tlsnic_netdev_priv(const struct net_device *dev);
bool tlsnic_netif_running(const struct net_device *dev);
struct net *tlsnic_dev_net(const struct net_device *dev);
void tlsnic_eth_hw_addr_random(struct net_device *dev);
void tlsnic_tstats_tx_add(struct net_device *dev, unsigned int len);
void tlsnic_tstats_rx_add(struct net_device *dev, unsigned int len);
void tlsnic_stats_tx_dropped_inc(struct net_device *dev);

void tlsnic_kfree_skb(struct sk_buff *skb);
bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len);
void tlsnic_skb_tx_timestamp(struct sk_buff *skb);

void tlsnic_rcu_read_lock(void);
void tlsnic_rcu_read_unlock(void);
bool tlsnic_rtnl_is_locked(void);

#endif /* TLSNIC_SHIM_H */
