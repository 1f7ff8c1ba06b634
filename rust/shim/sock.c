// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: sockets and the connection they hold (include/net/sock.h).
 * Included by tlsnic_shim.c.
 */

u16 tlsnic_sk_family(const struct sock *sk)
{
	return sk->sk_family;
}

u16 tlsnic_sk_protocol(const struct sock *sk)
{
	return sk->sk_protocol;
}

__be32 tlsnic_sk_daddr(const struct sock *sk)
{
	return sk->sk_daddr;
}

__be32 tlsnic_sk_rcv_saddr(const struct sock *sk)
{
	return sk->sk_rcv_saddr;
}

#if IS_ENABLED(CONFIG_IPV6)
const struct in6_addr *tlsnic_sk_v6_daddr(const struct sock *sk)
{
	return &sk->sk_v6_daddr;
}

const struct in6_addr *tlsnic_sk_v6_rcv_saddr(const struct sock *sk)
{
	return &sk->sk_v6_rcv_saddr;
}
#else
const struct in6_addr *tlsnic_sk_v6_daddr(const struct sock *sk)
{
	return NULL;
}

const struct in6_addr *tlsnic_sk_v6_rcv_saddr(const struct sock *sk)
{
	return NULL;
}
#endif

__be16 tlsnic_sk_dport(const struct sock *sk)
{
	return sk->sk_dport;
}

u16 tlsnic_sk_num(const struct sock *sk)
{
	return sk->sk_num;
}

struct net *tlsnic_sock_net(const struct sock *sk)
{
	return sock_net(sk);
}

/*
 * The payload of a segment the socket holds, if it covers the stream's byte @at: copies the bytes
 * from there (up to @len - *@done of them) into @buf + *@done and advances *@done. @poff is the
 * payload's offset in @skb, @plen its length.
 */
static bool tlsnic_seg_read(const struct sk_buff *skb, u32 poff, u32 plen, u32 at, u8 *buf,
			    u32 len, u32 *done)
{
	u32 start = TCP_SKB_CB(skb)->seq;
	u32 off, n;

	if (before(at, start) || !before(at, start + plen))
		return false;
	off = at - start;
	n = min(len - *done, plen - off);
	if (skb_copy_bits(skb, poff + off, buf + *done, n))
		return false;
	*done += n;
	return true;
}

/*
 * Payload offset and length of a segment in the backlog, which keeps its TCP header (segments
 * coalesced into it append their payload): false for one TCP would not simply append to the
 * stream (SYN, RST, urgent data), where a walk of the backlog stops.
 */
static bool tlsnic_backlog_seg(const struct sk_buff *skb, u32 *poff, u32 *plen)
{
	const struct tcphdr *th = (const struct tcphdr *)skb->data;

	if (TCP_SKB_CB(skb)->tcp_flags & (TCPHDR_SYN | TCPHDR_RST | TCPHDR_URG))
		return false;
	*poff = th->doff * 4;
	if (*poff > skb->len)
		return false;
	*plen = skb->len - *poff;
	return true;
}

/* The next sequence number the TCP socket expects. The socket must be owned by the caller. */
u32 tlsnic_tcp_rcv_nxt(const struct sock *sk)
{
	sock_owned_by_me(sk);
	return tcp_sk(sk)->rcv_nxt;
}

/*
 * The end of the TCP stream the socket holds in order, not read yet: its next expected byte,
 * carried on through the segments that wait in order in its backlog (they arrived while its
 * owner held it). The socket must be owned by the caller (lock_sock): the backlog then only
 * grows at its tail (appended to, or coalesced into), under the spinlock taken here.
 */
u32 tlsnic_tcp_held_end(struct sock *sk)
{
	u32 end = tcp_sk(sk)->rcv_nxt;
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	spin_lock_bh(&sk->sk_lock.slock);
	for (skb = sk->sk_backlog.head; skb; skb = skb->next) {
		u32 poff, plen, start = TCP_SKB_CB(skb)->seq;

		if (!tlsnic_backlog_seg(skb, &poff, &plen) || after(start, end))
			break;
		if (after(start + plen, end))
			end = start + plen;
	}
	spin_unlock_bh(&sk->sk_lock.slock);
	return end;
}

/*
 * Copies the @len bytes of the TCP stream at sequence number @seq that the socket holds, not
 * read yet (its receive queue, then its backlog), into @buf: 0, or -ENOENT if it does not hold
 * all of them in order. The socket must be owned by the caller (lock_sock), which keeps its
 * receive queue as it is, as tcp_recvmsg() relies on when it walks the queue; the backlog is
 * walked under its spinlock.
 */
int tlsnic_tcp_held_copy(struct sock *sk, u32 seq, void *buf, u32 len)
{
	struct sk_buff *skb;
	u32 done = 0;

	sock_owned_by_me(sk);
	if (!len)
		return 0;
	/* Urgent data in the queue is not simply the stream's next bytes: unknown. */
	if (tcp_sk(sk)->urg_data)
		return -ENOENT;
	skb_queue_walk(&sk->sk_receive_queue, skb) {
		tlsnic_seg_read(skb, 0, skb->len, seq + done, buf, len, &done);
		if (done == len)
			return 0;
	}
	spin_lock_bh(&sk->sk_lock.slock);
	for (skb = sk->sk_backlog.head; skb && done < len; skb = skb->next) {
		u32 poff, plen;

		if (!tlsnic_backlog_seg(skb, &poff, &plen))
			break;
		tlsnic_seg_read(skb, poff, plen, seq + done, buf, len, &done);
	}
	spin_unlock_bh(&sk->sk_lock.slock);
	return done == len ? 0 : -ENOENT;
}
