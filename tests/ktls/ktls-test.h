/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the test drivers in tests/ktls: a seeded generator, test keys, kTLS
 * setup by raw setsockopt() and a verifiable byte stream.
 *
 * Every test key begins with the six bytes KT_KEY_MARK, so that a test can search the
 * kernel log, debugfs and the counters for key material (tests/guest/lib.sh key_leak_check).
 */
#ifndef KTLS_TEST_H
#define KTLS_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <linux/tls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static const unsigned char KT_KEY_MARK[6] = { 0x7e, 0x15, 0x5a, 0x1c, 0xc0, 0xde };

static inline uint64_t kt_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct kt_rng {
	uint64_t s;
};

static inline uint64_t kt_next(struct kt_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return kt_mix(r->s);
}

/* A value in [0, n). */
static inline uint64_t kt_below(struct kt_rng *r, uint64_t n)
{
	return n ? kt_next(r) % n : 0;
}

/* Bytes @off.. of the stream named @s (the same bytes for the same stream and offset). */
static inline void kt_stream(uint64_t s, uint64_t off, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t w = kt_mix(s ^ ((off + i) >> 3) * 0x2545f4914f6cdd1dULL);

		buf[i] = (unsigned char)(w >> (8 * ((off + i) & 7)));
	}
}

static inline double kt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Either AES-GCM crypto_info of TLS 1.2. */
union kt_crypto {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 g128;
	struct tls12_crypto_info_aes_gcm_256 g256;
};

/*
 * A valid TLS 1.2 AES-GCM crypto_info (256-bit if @aes256) for flow @id, direction @dir (0:
 * client to server, 1: server to client) under @seed. Returns its size.
 */
static inline socklen_t kt_key(union kt_crypto *ci, uint64_t seed, uint64_t id, int dir, int aes256)
{
	struct kt_rng r = { kt_mix(seed ^ kt_mix(id * 2 + (unsigned)dir)) };
	unsigned char b[64];

	for (size_t i = 0; i < sizeof(b); i += 8) {
		uint64_t w = kt_next(&r);

		memcpy(b + i, &w, 8);
	}
	memcpy(b, KT_KEY_MARK, sizeof(KT_KEY_MARK));
	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_2_VERSION;
	if (aes256) {
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_256;
		memcpy(ci->g256.key, b, sizeof(ci->g256.key));
		memcpy(ci->g256.iv, b + 32, sizeof(ci->g256.iv));
		memcpy(ci->g256.salt, b + 40, sizeof(ci->g256.salt));
		memcpy(ci->g256.rec_seq, b + 44, sizeof(ci->g256.rec_seq));
		return sizeof(ci->g256);
	}
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memcpy(ci->g128.key, b, sizeof(ci->g128.key));
	memcpy(ci->g128.iv, b + 32, sizeof(ci->g128.iv));
	memcpy(ci->g128.salt, b + 40, sizeof(ci->g128.salt));
	memcpy(ci->g128.rec_seq, b + 44, sizeof(ci->g128.rec_seq));
	return sizeof(ci->g128);
}

static inline int kt_ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
}

/* kTLS in direction TLS_TX or TLS_RX with flow @id's key for @dir. */
static inline int kt_ktls(int fd, int opt, uint64_t seed, uint64_t id, int dir, int aes256)
{
	union kt_crypto ci;
	socklen_t len = kt_key(&ci, seed, id, dir, aes256);
	int rc = setsockopt(fd, SOL_TLS, opt, &ci, len);

	memset(&ci, 0, sizeof(ci));
	return rc;
}

/* A TCP socket for @host:@port (numeric or name), not yet connected; address in @sa/@salen. */
static inline int kt_socket(const char *host, const char *port, struct sockaddr_storage *sa,
			    socklen_t *salen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	*salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return fd;
}

/*
 * A TCP connection to @host:@port, or -1. @syn_retries (TCP_SYNCNT) bounds how long a connect
 * keeps sending SYNs into a network that went away: 2 gives up after 7 s; 0 is the kernel's
 * default (6, about two minutes).
 */
static inline int kt_connect(const char *host, const char *port, int syn_retries)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	int fd = kt_socket(host, port, &sa, &salen);

	if (fd >= 0 && syn_retries &&
	    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syn_retries, sizeof(syn_retries))) {
		close(fd);
		return -1;
	}
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, salen)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Write all of @buf (plain send loop), 0 or -1. */
static inline int kt_send_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read exactly @len bytes, 0; -1 on error or early end of stream. */
static inline int kt_recv_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
