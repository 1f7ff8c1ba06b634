// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: kTLS device offload (include/net/tls.h).
 * Included by tlsnic_shim.c.
 */

struct tls_context *tlsnic_tls_get_ctx(const struct sock *sk)
{
	return tls_get_ctx(sk);
}

bool tlsnic_tls_is_skb_tx_device_offloaded(const struct sk_buff *skb)
{
	return tls_is_skb_tx_device_offloaded(skb);
}

/* The device a context is offloaded to; only compared, never dereferenced. */
struct net_device *tlsnic_tls_ctx_netdev(const struct tls_context *ctx)
{
	return rcu_access_pointer(ctx->netdev);
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

/*
 * Asks the core for a transmit resync point, unless a request is pending:
 * tls_offload_tx_resync_request() WARNs when the bit it sets is set already,
 * and only the core clears it (once tls_dev_resync() succeeded). The caller
 * serialises its requests for the socket. Returns whether it asked.
 */
bool tlsnic_tls_tx_resync_request(struct sock *sk, u32 got_seq, u32 exp_seq)
{
	if (tls_offload_tx_resync_pending(sk))
		return false;
	tls_offload_tx_resync_request(sk, got_seq, exp_seq);
	return true;
}

/* The kernel's software fallback: consumes skb, returns its encrypted copy or NULL. */
struct sk_buff *tlsnic_tls_encrypt_skb(struct sk_buff *skb)
{
	return tls_encrypt_skb(skb);
}

void tlsnic_tls_rx_resync_set_type(struct sock *sk, int type)
{
	tls_offload_rx_resync_set_type(sk, type);
}

void tlsnic_tls_rx_set_resync_async(struct sock *sk, struct tls_offload_resync_async *async)
{
	tls_offload_ctx_rx(tls_get_ctx(sk))->resync_async = async;
}

void tlsnic_tls_rx_resync_request(struct sock *sk, u32 seq)
{
	tls_offload_rx_resync_request(sk, htonl(seq));
}

/*
 * The asynchronous request helpers take the resync_async structure since
 * 6.12.60 (as in 6.18); before, they took the socket (and there was no cancel
 * helper): this file does not build against those releases.
 */
void tlsnic_tls_rx_resync_async_start(struct tls_offload_resync_async *async, u32 seq, u16 len)
{
	tls_offload_rx_resync_async_request_start(async, htonl(seq), len);
}

void tlsnic_tls_rx_resync_async_end(struct tls_offload_resync_async *async, u32 seq)
{
	tls_offload_rx_resync_async_request_end(async, htonl(seq));
}

void tlsnic_tls_rx_resync_async_cancel(struct tls_offload_resync_async *async)
{
	tls_offload_rx_resync_async_request_cancel(async);
}
