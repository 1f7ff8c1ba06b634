// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: debugfs directories and integer files.
 * Included by tlsnic_shim.c.
 */

struct dentry *tlsnic_debugfs_dir(const char *name, struct dentry *parent)
{
	struct dentry *d = debugfs_create_dir(name, parent);

	return IS_ERR(d) ? NULL : d;
}

void tlsnic_debugfs_u32(const char *name, struct dentry *dir, u32 *value)
{
	debugfs_create_u32(name, 0600, dir, value);
}

void tlsnic_debugfs_u64(const char *name, struct dentry *dir, u64 *value, umode_t mode)
{
	debugfs_create_u64(name, mode, dir, value);
}

void tlsnic_debugfs_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}
