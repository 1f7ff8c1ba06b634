// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: out-of-line copies of `static inline` kernel helpers for the
 * Rust side, and the module parameter. Keep this file free of logic.
 */
#include <linux/etherdevice.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "tlsnic_shim.h"

unsigned int tlsnic_param_pairs = 1;
module_param_named(pairs, tlsnic_param_pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "Number of linked tlsnic pairs created at load (0-64, default 1)");

void *tlsnic_netdev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

bool tlsnic_netif_running(const struct net_device *dev)
{
	return netif_running(dev);
}

struct net *tlsnic_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

void tlsnic_eth_hw_addr_random(struct net_device *dev)
{
	eth_hw_addr_random(dev);
}

void tlsnic_tstats_tx_add(struct net_device *dev, unsigned int len)
{
	dev_sw_netstats_tx_add(dev, 1, len);
}

void tlsnic_tstats_rx_add(struct net_device *dev, unsigned int len)
{
	dev_sw_netstats_rx_add(dev, len);
}

void tlsnic_stats_tx_dropped_inc(struct net_device *dev)
{
	DEV_STATS_INC(dev, tx_dropped);
}

void tlsnic_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

void tlsnic_skb_tx_timestamp(struct sk_buff *skb)
{
	skb_tx_timestamp(skb);
}

void tlsnic_rcu_read_lock(void)
{
	rcu_read_lock();
}

void tlsnic_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

bool tlsnic_rtnl_is_locked(void)
{
	return rtnl_is_locked();
}
