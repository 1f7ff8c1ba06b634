// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic policy sample 1: offload a flow when its local or remote TCP port
 * is in the map tlsnic_ports (key: port in network byte order, value: any).
 *
 *   bpftool prog loadall policy_port.bpf.o /sys/fs/bpf/tlsnic-port pinmaps /sys/fs/bpf/tlsnic-port
 *   samples/bpf/tlsnic-policy-map port /sys/fs/bpf/tlsnic-port/tlsnic_ports 443
 *   echo /sys/fs/bpf/tlsnic-port/port_policy > /sys/class/net/tlsnic0/tlsnic/policy
 */
#include "tlsnic_policy.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __be16);
	__type(value, __u8);
} tlsnic_ports SEC(".maps");

SEC("cgroup/post_bind4")
int port_policy(struct bpf_sock *sk)
{
	__be16 local = bpf_htons((__u16)sk->src_port);
	__be16 remote = sk->dst_port;

	if (bpf_map_lookup_elem(&tlsnic_ports, &local) ||
	    bpf_map_lookup_elem(&tlsnic_ports, &remote))
		return TLSNIC_OFFLOAD;
	return TLSNIC_SOFTWARE;
}

char LICENSE[] SEC("license") = "GPL";
