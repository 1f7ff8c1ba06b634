// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic policy sample 2: offload the flows of chosen processes: those in a
 * cgroup (v2) listed in tlsnic_cgroups, or below one, and those whose
 * command name (comm, 15 characters at most) is listed in tlsnic_comms.
 * The program runs in the context of the process enabling kTLS.
 *
 *   bpftool prog loadall policy_proc.bpf.o /sys/fs/bpf/tlsnic-proc pinmaps /sys/fs/bpf/tlsnic-proc
 *   samples/bpf/tlsnic-policy-map cgroup /sys/fs/bpf/tlsnic-proc/tlsnic_cgroups /sys/fs/cgroup/web
 *   samples/bpf/tlsnic-policy-map comm /sys/fs/bpf/tlsnic-proc/tlsnic_comms nginx
 *   echo /sys/fs/bpf/tlsnic-proc/proc_policy > /sys/class/net/tlsnic0/tlsnic/policy
 */
#include "tlsnic_policy.h"

#define TASK_COMM_LEN 16
#define MAX_CGROUP_DEPTH 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);		/* cgroup id: the cgroup directory's inode number */
	__type(value, __u8);
} tlsnic_cgroups SEC(".maps");

struct comm {
	char name[TASK_COMM_LEN];	/* NUL-padded */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct comm);
	__type(value, __u8);
} tlsnic_comms SEC(".maps");

SEC("cgroup/post_bind4")
int proc_policy(struct bpf_sock *sk)
{
	struct comm comm = {};
	__u64 id;
	int level;

	/* The process's own cgroup and every ancestor (level 0 is the root). */
	for (level = 1; level < MAX_CGROUP_DEPTH; level++) {
		id = bpf_get_current_ancestor_cgroup_id(level);
		if (!id)
			break;
		if (bpf_map_lookup_elem(&tlsnic_cgroups, &id))
			return TLSNIC_OFFLOAD;
	}
	if (bpf_get_current_comm(comm.name, sizeof(comm.name)) == 0 &&
	    bpf_map_lookup_elem(&tlsnic_comms, &comm))
		return TLSNIC_OFFLOAD;
	return TLSNIC_SOFTWARE;
}

char LICENSE[] SEC("license") = "GPL";
