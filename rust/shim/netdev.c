// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: net devices, NAPI, RCU, RTNL, bottom-half spinlocks, work items, CPUs,
 * cross-CPU calls.
 * Included by tlsnic_shim.c.
 */

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

void tlsnic_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *napi, int budget))
{
	netif_napi_add(dev, napi, poll);
}

void tlsnic_netif_napi_del(struct napi_struct *napi)
{
	netif_napi_del(napi);
}

void tlsnic_init_csd(struct __call_single_data *csd, void (*fn)(void *info), void *info)
{
	INIT_CSD(csd, fn, info);
}

void tlsnic_rcu_read_lock(void)
{
	rcu_read_lock();
}

void tlsnic_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void tlsnic_rcu_read_lock_bh(void)
{
	rcu_read_lock_bh();
}

void tlsnic_rcu_read_unlock_bh(void)
{
	rcu_read_unlock_bh();
}

void tlsnic_spin_lock_bh(struct spinlock *lock)
{
	spin_lock_bh(lock);
}

void tlsnic_spin_unlock_bh(struct spinlock *lock)
{
	spin_unlock_bh(lock);
}

void tlsnic_init_work(struct work_struct *work, void (*fn)(struct work_struct *work))
{
	INIT_WORK(work, fn);
}

bool tlsnic_queue_work(struct work_struct *work, bool highpri)
{
	return queue_work(highpri ? system_highpri_wq : system_wq, work);
}

/* An online CPU's queue, else this CPU's: queue_work_on() does not check @cpu. */
bool tlsnic_queue_work_on(unsigned int cpu, struct work_struct *work, bool highpri)
{
	struct workqueue_struct *wq = highpri ? system_highpri_wq : system_wq;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return queue_work(wq, work);
	return queue_work_on(cpu, wq, work);
}

unsigned int tlsnic_this_cpu(void)
{
	return raw_smp_processor_id();
}

bool tlsnic_cpu_online(unsigned int cpu)
{
	return cpu < nr_cpu_ids && cpu_online(cpu);
}

void tlsnic_memzero_explicit(void *p, size_t len)
{
	memzero_explicit(p, len);
}
