// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic policy sample 3: offload only flows whose TLS server name (SNI) is
 * allowed.
 *
 * Two tc programs on the tlsnic device watch the TLS handshake: sni_ingress
 * sees the ClientHello a server receives, sni_egress the one a client sends.
 * Each parses the ClientHello's server_name extension and records the name
 * (lower-cased) per connection in sni_flows. When the application then
 * enables kTLS, the policy program sni_policy finds the connection's name
 * there and offloads the flow only if the name is in sni_allow. A flow
 * whose ClientHello was not seen (no SNI, or a ClientHello not at the start
 * of a TCP segment) stays on software kTLS.
 *
 *   bpftool prog loadall policy_sni.bpf.o /sys/fs/bpf/tlsnic-sni pinmaps /sys/fs/bpf/tlsnic-sni
 *   tc qdisc add dev tlsnic0 clsact
 *   tc filter add dev tlsnic0 ingress bpf direct-action object-pinned /sys/fs/bpf/tlsnic-sni/sni_ingress
 *   tc filter add dev tlsnic0 egress bpf direct-action object-pinned /sys/fs/bpf/tlsnic-sni/sni_egress
 *   samples/bpf/tlsnic-policy-map sni /sys/fs/bpf/tlsnic-sni/sni_allow www.example.com
 *   echo /sys/fs/bpf/tlsnic-sni/sni_policy > /sys/class/net/tlsnic0/tlsnic/policy
 *
 * The XDP variant sni_xdp does what sni_ingress does on a server's device, in native
 * XDP: it sees each frame as it arrives on the wire, before the stack and before the device's
 * receive TLS offload (a ClientHello is never encrypted anyway), records the name in the same
 * sni_flows map and passes every frame on. Attach it instead of the tc ingress program:
 *
 *   ip link set dev tlsnic0 xdpdrv pinned /sys/fs/bpf/tlsnic-sni/sni_xdp
 */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include "tlsnic_policy.h"

#define SNI_LEN 64		/* names up to 63 bytes; longer ones are not recorded */
#define MAX_EXTENSIONS 32

/* A connection as seen from this host: the remote end and the local port. */
struct sni_flow {
	__u32 raddr[4];		/* IPv4 in raddr[0]; network byte order */
	__be16 rport;
	__be16 lport;
	__u32 family;		/* AF_INET or AF_INET6 */
};

struct sni_name {
	char name[SNI_LEN];	/* lower case, NUL-padded */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sni_flow);
	__type(value, struct sni_name);
} sni_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct sni_name);
	__type(value, __u8);
} sni_allow SEC(".maps");

/* Per-CPU scratch for the name being parsed (too big for the BPF stack with the key). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sni_name);
} sni_scratch SEC(".maps");

/*
 * The parser reads the packet through load(): from an skb (tc, xdp == 0) or an XDP buffer
 * (xdp == 1). Every caller passes a constant, so each program keeps only its own helper.
 */
static __always_inline int load(void *ctx, int xdp, __u32 off, void *to, __u32 len)
{
	if (xdp)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

static __always_inline int load16(void *skb, int xdp, __u32 off, __u32 *val)
{
	__u8 b[2];

	if (load(skb, xdp, off, b, 2))
		return -1;
	*val = (b[0] << 8) | b[1];
	return 0;
}

/*
 * Finds the server_name in a ClientHello starting at TCP payload offset off;
 * returns the name's offset and sets *len, or returns 0.
 */
static __always_inline __u32 find_sni(void *skb, int xdp, __u32 off, __u32 *len)
{
	__u8 hdr[6];
	__u32 n, end, type, ext_len;
	int i;

	/* Record header: handshake (22), version 3.x, length; handshake type 1. */
	if (load(skb, xdp, off, hdr, 6) || hdr[0] != 22 || hdr[1] != 3 || hdr[5] != 1)
		return 0;
	off += 5 + 4 + 2 + 32;		/* record, handshake headers, client_version, random */
	if (load(skb, xdp, off, hdr, 1))	/* session_id */
		return 0;
	off += 1 + hdr[0];
	if (load16(skb, xdp, off, &n))	/* cipher_suites */
		return 0;
	off += 2 + n;
	if (load(skb, xdp, off, hdr, 1))	/* compression_methods */
		return 0;
	off += 1 + hdr[0];
	if (load16(skb, xdp, off, &n))	/* extensions */
		return 0;
	off += 2;
	end = off + n;
	for (i = 0; i < MAX_EXTENSIONS; i++) {
		if (off + 4 > end || load16(skb, xdp, off, &type) ||
		    load16(skb, xdp, off + 2, &ext_len))
			return 0;
		if (type == 0) {
			/* server_name_list length, name_type host_name (0), name length */
			if (load(skb, xdp, off + 4, hdr, 5) || hdr[2] != 0)
				return 0;
			*len = (hdr[3] << 8) | hdr[4];
			return off + 9;
		}
		off += 4 + ext_len;
	}
	return 0;
}

/* Records the name of a ClientHello in this frame, if any; proto is its Ethernet type. */
static __always_inline void record(void *skb, int xdp, __be16 proto, int ingress)
{
	struct sni_flow flow = {};
	struct sni_name *name;
	__u32 off, l4, len = 0, zero = 0;
	__u8 doff;
	struct tcphdr th;
	int i;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (load(skb, xdp, ETH_HLEN, &ip, sizeof(ip)) || ip.protocol != IPPROTO_TCP ||
		    (ip.frag_off & bpf_htons(0x3fff)))
			return;
		flow.family = AF_INET;
		flow.raddr[0] = ingress ? ip.saddr : ip.daddr;
		l4 = ETH_HLEN + ip.ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (load(skb, xdp, ETH_HLEN, &ip6, sizeof(ip6)) || ip6.nexthdr != IPPROTO_TCP)
			return;
		flow.family = AF_INET6;
		__builtin_memcpy(flow.raddr, ingress ? &ip6.saddr : &ip6.daddr, 16);
		l4 = ETH_HLEN + sizeof(ip6);
	} else {
		return;
	}
	if (load(skb, xdp, l4, &th, sizeof(th)))
		return;
	flow.rport = ingress ? th.source : th.dest;
	flow.lport = ingress ? th.dest : th.source;
	doff = th.doff;
	off = find_sni(skb, xdp, l4 + doff * 4, &len);
	if (!off || len == 0 || len >= SNI_LEN)
		return;
	/*
	 * Bound the length again where the verifier sees it: without the barrier the compiler
	 * drops the mask (it knows len < SNI_LEN already) and loads len from a copy the verifier
	 * has no bounds for.
	 */
	barrier_var(len);
	len &= SNI_LEN - 1;
	if (len == 0)
		return;
	name = bpf_map_lookup_elem(&sni_scratch, &zero);
	if (!name)
		return;
	__builtin_memset(name->name, 0, SNI_LEN);
	if (load(skb, xdp, off, name->name, len))
		return;
	for (i = 0; i < SNI_LEN; i++) {
		char c = name->name[i];

		if (c >= 'A' && c <= 'Z')
			name->name[i] = c + ('a' - 'A');
	}
	bpf_map_update_elem(&sni_flows, &flow, name, BPF_ANY);
}

SEC("tc")
int sni_ingress(struct __sk_buff *skb)
{
	record(skb, 0, skb->protocol, 1);
	return TC_ACT_OK;
}

SEC("tc")
int sni_egress(struct __sk_buff *skb)
{
	record(skb, 0, skb->protocol, 0);
	return TC_ACT_OK;
}

/* Native XDP on the server's device: frames as they arrive, before receive TLS offload. */
SEC("xdp")
int sni_xdp(struct xdp_md *ctx)
{
	struct ethhdr eth;

	if (!bpf_xdp_load_bytes(ctx, 0, &eth, sizeof(eth)))
		record(ctx, 1, eth.h_proto, 1);
	return XDP_PASS;
}

SEC("cgroup/post_bind4")
int sni_policy(struct bpf_sock *sk)
{
	struct sni_flow flow = {};
	struct sni_name *name;

	flow.family = sk->family;
	if (flow.family == AF_INET) {
		flow.raddr[0] = sk->dst_ip4;
	} else if (flow.family == AF_INET6) {
		flow.raddr[0] = sk->dst_ip6[0];
		flow.raddr[1] = sk->dst_ip6[1];
		flow.raddr[2] = sk->dst_ip6[2];
		flow.raddr[3] = sk->dst_ip6[3];
		/*
		 * An IPv4 peer of a dual-stack IPv6 socket (a server listening on [::]) shows as
		 * ::ffff:a.b.c.d; on the wire it is IPv4.
		 */
		if (!flow.raddr[0] && !flow.raddr[1] && flow.raddr[2] == bpf_htonl(0xffff)) {
			flow.family = AF_INET;
			flow.raddr[0] = flow.raddr[3];
			flow.raddr[2] = 0;
			flow.raddr[3] = 0;
		}
	} else {
		return TLSNIC_SOFTWARE;
	}
	flow.rport = sk->dst_port;
	flow.lport = bpf_htons((__u16)sk->src_port);
	name = bpf_map_lookup_elem(&sni_flows, &flow);
	if (name && bpf_map_lookup_elem(&sni_allow, name))
		return TLSNIC_OFFLOAD;
	return TLSNIC_SOFTWARE;
}

char LICENSE[] SEC("license") = "GPL";
