// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: The deferred transmit work of a device with an asynchronous engine.
 * Included by tlsnic_shim.c.
 */

/*
 * The device's queue for an asynchronous engine: a work item that runs the
 * driver's drain function in the context of a transmit (RCU-BH read side).
 */
struct tlsnic_txq {
	struct work_struct work;
	struct net_device *dev;
	void (*run)(struct net_device *dev);
};

static void tlsnic_txq_work(struct work_struct *work)
{
	struct tlsnic_txq *q = container_of(work, struct tlsnic_txq, work);

	rcu_read_lock_bh();
	q->run(q->dev);
	rcu_read_unlock_bh();
}

struct tlsnic_txq *tlsnic_txq_alloc(struct net_device *dev, void (*run)(struct net_device *dev))
{
	struct tlsnic_txq *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return NULL;
	INIT_WORK(&q->work, tlsnic_txq_work);
	q->dev = dev;
	q->run = run;
	return q;
}

void tlsnic_txq_kick(struct tlsnic_txq *q)
{
	queue_work(system_wq, &q->work);
}

/* Waits for kicks in RCU read sections (completion callbacks), then for the work. */
void tlsnic_txq_free(struct tlsnic_txq *q)
{
	synchronize_rcu();
	cancel_work_sync(&q->work);
	kfree(q);
}
