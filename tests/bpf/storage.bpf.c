// SPDX-License-Identifier: GPL-2.0
/*
 * A policy-typed program that tlsnic must refuse: it uses cgroup storage,
 * which only exists for a program attached to a cgroup.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, __u64);
} storage SEC(".maps");

SEC("cgroup/post_bind4")
int storage_policy(struct bpf_sock *sk)
{
	__u64 *n = bpf_get_local_storage(&storage, 0);

	__sync_fetch_and_add(n, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
