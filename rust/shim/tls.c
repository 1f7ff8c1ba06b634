// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: kTLS: TLS contexts, the transmit record list lock, an skb's
 * offload context and TCP payload, a socket's flow key, receive resync hints
 * and the decrypted mark.
 * Included by tlsnic_shim.c.
 */

/* What leaves a tlsnic device is wire data: never "plaintext for the device". */
void tlsnic_skb_clear_decrypted(struct sk_buff *skb)
{
#ifdef CONFIG_SKB_DECRYPTED
	skb->decrypted = 0;
#endif
}

struct tls_context *tlsnic_tls_get_ctx(const struct sock *sk)
{
	return tls_get_ctx(sk);
}

/*
 * tls_is_skb_tx_device_offloaded() for this device: the socket's offload
 * context if @skb carries plaintext TLS records for @dev to encrypt, else NULL
 * (not kTLS, software kTLS, or offloaded to another device, in which case
 * tls_validate_xmit_skb() already encrypted it in software). Caller holds
 * rcu_read_lock_bh (ndo_start_xmit).
 */
struct tls_context *tlsnic_tls_tx_ctx_for_skb(const struct sk_buff *skb,
					      const struct net_device *dev)
{
	struct tls_context *ctx;

	if (!tls_is_skb_tx_device_offloaded(skb))
		return NULL;
	ctx = tls_get_ctx(skb->sk);
	if (!ctx || rcu_access_pointer(ctx->netdev) != dev)
		return NULL;
	return ctx;
}

void **tlsnic_tls_driver_state(struct tls_context *ctx, int dir)
{
	return __tls_driver_ctx(ctx, dir);
}

struct tls_offload_context_tx *tlsnic_tls_offload_ctx_tx(struct tls_context *ctx)
{
	return tls_offload_ctx_tx(ctx);
}

unsigned long tlsnic_tls_tx_lock(struct tls_offload_context_tx *octx)
{
	unsigned long flags;

	spin_lock_irqsave(&octx->lock, flags);
	return flags;
}

void tlsnic_tls_tx_unlock(struct tls_offload_context_tx *octx, unsigned long flags)
{
	spin_unlock_irqrestore(&octx->lock, flags);
}

/* TCP sequence number and header length (link + network + TCP) of a TCP skb. */
bool tlsnic_skb_tcp_payload(const struct sk_buff *skb, u32 *seq, u32 *hdr_len)
{
	if (!skb_transport_header_was_set(skb))
		return false;
	*hdr_len = skb_tcp_all_headers(skb);
	if (*hdr_len > skb_headlen(skb) || *hdr_len > skb->len)
		return false;
	*seq = ntohl(tcp_hdr(skb)->seq);
	return true;
}

/*
 * The connection of a TCP socket from its own side; IPv4 addresses come out
 * IPv4-mapped, as an AF_INET6 socket talking IPv4 already holds them.
 */
bool tlsnic_sock_flow_key(const struct sock *sk, u8 *remote, u8 *local, u16 *remote_port,
			  u16 *local_port)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_protocol != IPPROTO_TCP)
		return false;
	switch (sk->sk_family) {
	case AF_INET:
		ipv6_addr_set_v4mapped(inet->inet_daddr, (struct in6_addr *)remote);
		ipv6_addr_set_v4mapped(inet->inet_rcv_saddr, (struct in6_addr *)local);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		memcpy(remote, &sk->sk_v6_daddr, 16);
		memcpy(local, &sk->sk_v6_rcv_saddr, 16);
		break;
#endif
	default:
		return false;
	}
	*remote_port = ntohs(inet->inet_dport);
	*local_port = ntohs(inet->inet_sport);
	return true;
}

u64 tlsnic_sock_net_cookie(const struct sock *sk)
{
	return sock_net(sk)->net_cookie;
}

void tlsnic_tls_rx_resync_next_hint(struct sock *sk)
{
	tls_offload_rx_resync_set_type(sk, TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT);
}

void tlsnic_skb_set_decrypted(struct sk_buff *skb)
{
	skb->decrypted = 1;
}
