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
