// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-badinput: set up kTLS by raw setsockopt() with bad inputs and check that
 * every call fails cleanly with the expected errno (or succeeds where valid).
 *
 *   ktls-badinput HOST PORT     (something must accept TCP connections there)
 *
 * Each case opens a fresh TCP connection, attaches the "tls" ULP and calls
 * setsockopt(SOL_TLS, TLS_TX or TLS_RX, ...). One line per case; exit status 1
 * if any result differs from the expectation. Key bytes are fixed test values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/tls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static const char *host, *port;
static int failures;

static int tcp_connect(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void expect(const char *name, int rc, int want_errno)
{
	int got = rc ? errno : 0;

	printf("%-44s %-12s (want %s)%s\n", name, got ? strerror(got) : "ok",
	       want_errno ? strerror(want_errno) : "ok", got == want_errno ? "" : "  MISMATCH");
	failures += got != want_errno;
}

static int ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls"));
}

static void fill128(struct tls12_crypto_info_aes_gcm_128 *ci, unsigned short version)
{
	memset(ci, 0x5a, sizeof(*ci));
	ci->info.version = version;
	ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci->rec_seq, 0, sizeof(ci->rec_seq));
}

/* One connection, ULP attached, one setsockopt of @len bytes of @buf in direction @dir. */
static void one(const char *name, int dir, const void *buf, socklen_t len, int want)
{
	int fd = tcp_connect();

	if (fd < 0 || ulp(fd)) {
		perror(name);
		failures++;
		if (fd >= 0)
			close(fd);
		return;
	}
	expect(name, setsockopt(fd, SOL_TLS, dir, buf, len), want);
	/* Exercise the data path of whatever was set up (or the plain socket). */
	if (write(fd, "tlsnic", 6) < 0 && errno != EBADMSG && errno != EINVAL && errno != EIO)
		perror("write");
	close(fd);
}

int main(int argc, char **argv)
{
	struct tls12_crypto_info_aes_gcm_128 g128;
	struct tls12_crypto_info_aes_gcm_256 g256;
	struct tls12_crypto_info_chacha20_poly1305 cc;
	unsigned char big[512];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: ktls-badinput HOST PORT\n");
		return 2;
	}
	host = argv[1];
	port = argv[2];

	/* ULP on an unconnected socket. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	expect("TCP_ULP tls before connect", ulp(fd), ENOTCONN);
	close(fd);
	fd = tcp_connect();
	if (fd < 0) {
		perror("connect");
		return 2;
	}
	expect("TCP_ULP unknown name", setsockopt(fd, IPPROTO_TCP, TCP_ULP, "nope", 5), ENOENT);
	fill128(&g128, TLS_1_2_VERSION);
	expect("TLS_TX without ULP", setsockopt(fd, SOL_TLS, TLS_TX, &g128, sizeof(g128)),
	       ENOPROTOOPT);
	close(fd);

	fill128(&g128, TLS_1_2_VERSION);
	one("TLS_TX optlen 0", TLS_TX, &g128, 0, EINVAL);
	one("TLS_TX optlen 3 (short header)", TLS_TX, &g128, 3, EINVAL);
	one("TLS_TX AES-GCM-128 optlen - 1", TLS_TX, &g128, sizeof(g128) - 1, EINVAL);
	memset(big, 0, sizeof(big));
	memcpy(big, &g128, sizeof(g128));
	one("TLS_TX AES-GCM-128 optlen + 1", TLS_TX, big, sizeof(g128) + 1, EINVAL);
	one("TLS_TX AES-GCM-128 optlen 512", TLS_TX, big, sizeof(big), EINVAL);

	fill128(&g128, 0x0301);
	one("TLS_TX version 1.0", TLS_TX, &g128, sizeof(g128), EINVAL);
	fill128(&g128, 0xffff);
	one("TLS_TX version 0xffff", TLS_TX, &g128, sizeof(g128), EINVAL);
	fill128(&g128, TLS_1_2_VERSION);
	g128.info.cipher_type = 0;
	one("TLS_TX cipher 0", TLS_TX, &g128, sizeof(g128), EINVAL);
	g128.info.cipher_type = 0xffff;
	one("TLS_TX cipher 0xffff", TLS_TX, &g128, sizeof(g128), EINVAL);
	one("TLS_TX direction 99", 99, &g128, sizeof(g128), ENOPROTOOPT);

	/* AES-GCM-128 header with a 256 layout and the other way round. */
	fill128(&g128, TLS_1_2_VERSION);
	memset(&g256, 0x5a, sizeof(g256));
	g256.info = g128.info;
	one("TLS_TX AES-GCM-128 with 256 length", TLS_TX, &g256, sizeof(g256), EINVAL);
	g128.info.cipher_type = TLS_CIPHER_AES_GCM_256;
	one("TLS_TX AES-GCM-256 with 128 length", TLS_TX, &g128, sizeof(g128), EINVAL);

	/* Valid setups: offloaded (TLS 1.2 AES-GCM) or software (ChaCha20, TLS 1.3). */
	fill128(&g128, TLS_1_2_VERSION);
	one("TLS_TX TLS1.2 AES-GCM-128 (offload)", TLS_TX, &g128, sizeof(g128), 0);
	memset(&g256, 0x33, sizeof(g256));
	g256.info.version = TLS_1_2_VERSION;
	g256.info.cipher_type = TLS_CIPHER_AES_GCM_256;
	one("TLS_TX TLS1.2 AES-GCM-256 (offload)", TLS_TX, &g256, sizeof(g256), 0);
	memset(&cc, 0x11, sizeof(cc));
	cc.info.version = TLS_1_2_VERSION;
	cc.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
	one("TLS_TX TLS1.2 ChaCha20 (software)", TLS_TX, &cc, sizeof(cc), 0);
	fill128(&g128, TLS_1_3_VERSION);
	one("TLS_TX TLS1.3 AES-GCM-128 (software)", TLS_TX, &g128, sizeof(g128), 0);
	fill128(&g128, TLS_1_2_VERSION);
	one("TLS_RX TLS1.2 AES-GCM-128", TLS_RX, &g128, sizeof(g128), 0);

	/* TLS_TX twice on one socket. */
	fd = tcp_connect();
	if (fd >= 0 && !ulp(fd)) {
		expect("TLS_TX first", setsockopt(fd, SOL_TLS, TLS_TX, &g128, sizeof(g128)), 0);
		expect("TLS_TX second", setsockopt(fd, SOL_TLS, TLS_TX, &g128, sizeof(g128)),
		       EBUSY);
		expect("TCP_ULP again", ulp(fd), EEXIST);
		close(fd);
	} else {
		failures++;
	}

	/* Shut down before TLS_TX: the kernel still accepts the keys (nothing can be sent). */
	fd = tcp_connect();
	if (fd >= 0 && !ulp(fd)) {
		shutdown(fd, SHUT_RDWR);
		expect("TLS_TX after shutdown", setsockopt(fd, SOL_TLS, TLS_TX, &g128, sizeof(g128)),
		       0);
		close(fd);
	} else {
		failures++;
	}

	printf("%s\n", failures ? "FAILED" : "all as expected");
	return failures ? 1 : 0;
}
