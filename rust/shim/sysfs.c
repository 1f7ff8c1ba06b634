// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: The per-device sysfs group /sys/class/net/DEV/tlsnic/.
 * Included by tlsnic_shim.c.
 */

/*
 * Per-device sysfs attributes (/sys/class/net/DEV/tlsnic/): a static group
 * whose show/store forward to the Rust driver through one ops table, set
 * before the link kind is registered.
 */
static const struct tlsnic_sysfs_ops *tlsnic_sysfs;

void tlsnic_sysfs_set_ops(const struct tlsnic_sysfs_ops *ops)
{
	WRITE_ONCE(tlsnic_sysfs, ops);
}

static ssize_t tlsnic_attr_show(struct device *d, int attr, char *buf)
{
	const struct tlsnic_sysfs_ops *ops = READ_ONCE(tlsnic_sysfs);

	return ops ? ops->show(to_net_dev(d), attr, buf) : -ENODEV;
}

static ssize_t tlsnic_attr_store(struct device *d, int attr, const char *buf, size_t len)
{
	const struct tlsnic_sysfs_ops *ops = READ_ONCE(tlsnic_sysfs);
	struct net_device *dev = to_net_dev(d);

	if (!ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return ops ? ops->store(dev, attr, buf, len) : -ENODEV;
}

static ssize_t policy_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return tlsnic_attr_show(d, TLSNIC_ATTR_POLICY, buf);
}

static ssize_t policy_store(struct device *d, struct device_attribute *attr, const char *buf,
			    size_t len)
{
	return tlsnic_attr_store(d, TLSNIC_ATTR_POLICY, buf, len);
}

static ssize_t engine_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return tlsnic_attr_show(d, TLSNIC_ATTR_ENGINE, buf);
}

static ssize_t engine_store(struct device *d, struct device_attribute *attr, const char *buf,
			    size_t len)
{
	return tlsnic_attr_store(d, TLSNIC_ATTR_ENGINE, buf, len);
}

static DEVICE_ATTR_RW(policy);

static DEVICE_ATTR_RW(engine);

static struct attribute *tlsnic_attrs[] = {
	&dev_attr_policy.attr,
	&dev_attr_engine.attr,
	NULL,
};

static const struct attribute_group tlsnic_group = {
	.name = "tlsnic",
	.attrs = tlsnic_attrs,
};

/* Called from the link setup callback, before the device is registered. */
void tlsnic_netdev_set_sysfs_group(struct net_device *dev)
{
	dev->sysfs_groups[0] = &tlsnic_group;
}
