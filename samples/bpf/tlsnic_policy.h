/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the tlsnic policy samples.
 *
 * A tlsnic policy program is a BPF_PROG_TYPE_CGROUP_SOCK program. tlsnic
 * runs it on the socket when the socket's owner enables kTLS
 * (setsockopt(SOL_TLS, TLS_TX or TLS_RX)) on a flow routed through the
 * device: return 1 to offload that direction, 0 to keep it on software kTLS.
 *
 * Load it as "cgroup/post_bind4" (or post_bind6): of the program's attach
 * types, those let it read both ports (src_port, host order; dst_port,
 * network order) and the remote address (dst_ip4 / dst_ip6). The program is
 * never attached to a cgroup; tlsnic only borrows the type.
 */
#ifndef TLSNIC_POLICY_H
#define TLSNIC_POLICY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TLSNIC_OFFLOAD 1
#define TLSNIC_SOFTWARE 0

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#endif /* TLSNIC_POLICY_H */
