// SPDX-License-Identifier: GPL-2.0
/*
 * XDP programs for tests/guest/39-xdp.sh. Each acts on IPv4 ICMP echo requests only and passes
 * every other frame (ARP, TCP), so that a ping shows the action and the rest of the link
 * keeps working.
 *
 *   xdp_pass        XDP_PASS, and counts in xdp_seen: [0] frames, [1] frames whose TCP
 *                   payload starts with a TLS application-data record header (17 03 03),
 *                   [2] those of them whose record starts with "HTTP" (the plaintext of
 *                   s_server -WWW's response: seen only if the program ran after the device
 *                   decrypted), [3] bytes
 *   xdp_drop        XDP_DROP
 *   xdp_tx          turns the request into its echo reply and sends it back (XDP_TX)
 *   xdp_redirect    XDP_REDIRECT to the ifindex in xdp_redir[0] (bpf_redirect)
 *   xdp_abort       XDP_ABORTED
 *   xdp_invalid     42, an action that does not exist
 *   xdp_frags_pass  XDP_PASS, loaded frags-aware (SEC("xdp.frags"))
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* linux/icmp.h includes libc headers: its few definitions used here. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} xdp_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xdp_redir SEC(".maps");

/* The ICMP header of an IPv4 echo request in this frame, or NULL. */
static __always_inline struct icmphdr *echo_request(struct xdp_md *ctx, struct ethhdr **eth,
						    struct iphdr **ip)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct icmphdr *icmp;

	*eth = data;
	*ip = data + sizeof(**eth);
	if ((void *)(*ip + 1) > end || (*eth)->h_proto != bpf_htons(ETH_P_IP) ||
	    (*ip)->ihl != 5 || (*ip)->protocol != IPPROTO_ICMP)
		return NULL;
	icmp = (void *)(*ip + 1);
	if ((void *)(icmp + 1) > end || icmp->type != ICMP_ECHO)
		return NULL;
	return icmp;
}

static __always_inline void count(__u32 key, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&xdp_seen, &key);

	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct tcphdr *th;
	__u8 *p;

	count(0, 1);
	count(3, end - data);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	th = (void *)(ip + 1);
	if ((void *)(th + 1) > end || th->doff < 5)
		return XDP_PASS;
	p = (void *)th + th->doff * 4;
	if ((void *)(p + 9) > end || p[0] != 0x17 || p[1] != 3 || p[2] != 3)
		return XDP_PASS;
	count(1, 1);
	if (p[5] == 'H' && p[6] == 'T' && p[7] == 'T' && p[8] == 'P')
		count(2, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;

	return echo_request(ctx, &eth, &ip) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	unsigned char mac[ETH_ALEN];
	struct icmphdr *icmp;
	struct ethhdr *eth;
	struct iphdr *ip;
	__be32 addr;
	__u32 sum;

	icmp = echo_request(ctx, &eth, &ip);
	if (!icmp)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	/* Type 8 -> 0: the one's-complement sum grows by 0x0800 (RFC 1624). */
	icmp->type = ICMP_ECHOREPLY;
	sum = (__u16)~bpf_ntohs(icmp->checksum) + 0xf7ff;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->checksum = bpf_htons(~sum & 0xffff);
	return XDP_TX;
}

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 zero = 0, *ifindex;

	if (!echo_request(ctx, &eth, &ip))
		return XDP_PASS;
	ifindex = bpf_map_lookup_elem(&xdp_redir, &zero);
	if (!ifindex || !*ifindex)
		return XDP_DROP;
	return bpf_redirect(*ifindex, 0);
}

SEC("xdp")
int xdp_abort(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;

	return echo_request(ctx, &eth, &ip) ? XDP_ABORTED : XDP_PASS;
}

SEC("xdp")
int xdp_invalid(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;

	return echo_request(ctx, &eth, &ip) ? 42 : XDP_PASS;
}

SEC("xdp.frags")
int xdp_frags_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
