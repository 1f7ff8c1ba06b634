// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic-tls: a TLS client/server on unmodified OpenSSL for testing and
 * benchmarking kTLS offload.
 *
 * The server accepts connections and sends a deterministic byte stream over
 * TLS (SSL_write in chosen sizes, or SSL_sendfile of a memfd holding the same
 * bytes); the client verifies every byte. kTLS is requested from OpenSSL with
 * SSL_OP_ENABLE_KTLS, exactly as an application would; with --no-ktls the
 * peer does TLS in userspace.
 *
 *   tlsnic-tls server [options]      (one child process per connection)
 *   tlsnic-tls client HOST [options] (--conns N parallel connections)
 *
 * Options:
 *   -p PORT            TCP port (default 4433)
 *   --cert F --key F   server certificate and key (PEM)
 *   --tls13            TLS 1.3 (default TLS 1.2)
 *   --cipher NAME      TLS 1.2 cipher list / TLS 1.3 ciphersuite
 *   --no-ktls          do not enable kTLS (userspace TLS)
 *   --bytes N          bytes the server sends per connection (default 16 MiB)
 *   --wsize MIN[-MAX]  SSL_write sizes, fixed or random in [MIN, MAX] (default 16384)
 *   --sendfile         send with SSL_sendfile from a memfd
 *   --zerocopy         with --sendfile: setsockopt(TLS_TX_ZEROCOPY_RO)
 *   --conns N          server: exit after N connections; client: N parallel connections
 *   --seed N           stream seed (default 1); connection i uses seed + i
 *   --sni NAME         client: server name to send in the ClientHello
 *
 * The client prints one line per connection: "conn I ok BYTES ktls_rx=0|1 MB/s"
 * and exits non-zero if any byte differs or a connection fails. The server
 * prints "conn ktls_tx=0|1" per connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/tls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TLS_TX_ZEROCOPY_RO
#define TLS_TX_ZEROCOPY_RO 3
#endif

static const char *port = "4433";
static const char *cert, *key, *cipher, *sni;
static int tls13, no_ktls, use_sendfile, zerocopy, conns = 1;
static unsigned long long nbytes = 16ull << 20;
static unsigned long wmin = 16384, wmax = 16384;
static unsigned long long seed = 1;

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Byte @off of stream @s: a keyed function of the offset, so any span can be checked. */
static void stream_fill(uint64_t s, uint64_t off, unsigned char *buf, size_t len)
{
	while (len) {
		uint64_t w = splitmix(s * 0x100000001b3ull ^ (off >> 3));
		unsigned int i = off & 7;

		for (; i < 8 && len; i++, len--, off++)
			*buf++ = (unsigned char)(w >> (8 * i));
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die_ssl(const char *what)
{
	fprintf(stderr, "tlsnic-tls: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

static SSL_CTX *make_ctx(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	int v = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (!ctx)
		die_ssl("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	if (cipher) {
		if (tls13 ? !SSL_CTX_set_ciphersuites(ctx, cipher)
			  : !SSL_CTX_set_cipher_list(ctx, cipher))
			die_ssl("cipher selection");
	}
	if (!no_ktls)
		SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
	if (server) {
		if (!cert || !key) {
			fprintf(stderr, "tlsnic-tls: server needs --cert and --key\n");
			exit(2);
		}
		if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
			die_ssl("loading certificate/key");
	}
	return ctx;
}

static unsigned long next_size(uint64_t *rng)
{
	if (wmax <= wmin)
		return wmin;
	*rng = splitmix(*rng);
	return wmin + *rng % (wmax - wmin + 1);
}

static int serve(SSL_CTX *ctx, int fd, uint64_t s)
{
	SSL *ssl = SSL_new(ctx);
	unsigned char *buf = NULL;
	unsigned long long sent = 0;
	uint64_t rng = s;
	int ok = 0;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	printf("conn ktls_tx=%d cipher=%s\n", (int)BIO_get_ktls_send(SSL_get_wbio(ssl)),
	       SSL_get_cipher_name(ssl));
	fflush(stdout);
	if (use_sendfile) {
		int mfd = memfd_create("tlsnic-tls", 0);
		size_t chunk = 1 << 20;

		if (mfd < 0 || ftruncate(mfd, nbytes)) {
			perror("memfd");
			goto out;
		}
		buf = malloc(chunk);
		for (unsigned long long off = 0; off < nbytes; off += chunk) {
			size_t n = nbytes - off < chunk ? nbytes - off : chunk;

			stream_fill(s, off, buf, n);
			if (pwrite(mfd, buf, n, off) != (ssize_t)n) {
				perror("pwrite");
				goto out;
			}
		}
		if (zerocopy) {
			int one = 1;

			if (setsockopt(fd, SOL_TLS, TLS_TX_ZEROCOPY_RO, &one, sizeof(one)))
				perror("TLS_TX_ZEROCOPY_RO");
		}
		while (sent < nbytes) {
			size_t n = nbytes - sent > (1 << 20) ? (1 << 20) : nbytes - sent;
			ossl_ssize_t r = SSL_sendfile(ssl, mfd, sent, n, 0);

			if (r <= 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				fprintf(stderr, "SSL_sendfile: %s\n", strerror(errno));
				ERR_print_errors_fp(stderr);
				close(mfd);
				goto out;
			}
			sent += r;
		}
		close(mfd);
	} else {
		buf = malloc(wmax);
		while (sent < nbytes) {
			size_t n = next_size(&rng);
			int r;

			if (n > nbytes - sent)
				n = nbytes - sent;
			stream_fill(s, sent, buf, n);
			r = SSL_write(ssl, buf, n);
			if (r <= 0) {
				ERR_print_errors_fp(stderr);
				goto out;
			}
			sent += r;
		}
	}
	ok = 1;
	SSL_shutdown(ssl);
out:
	free(buf);
	SSL_free(ssl);
	close(fd);
	return ok ? 0 : 1;
}

static int run_server(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };
	SSL_CTX *ctx = make_ctx(1);
	int ls = socket(AF_INET6, SOCK_STREAM, 0), one = 1, zero = 0, failed = 0;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	sa.sin6_addr = in6addr_any;
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1024)) {
		perror("bind/listen");
		return 2;
	}
	for (int i = 0; i < conns; i++) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0) {
			perror("accept");
			return 2;
		}
		if (fork() == 0) {
			close(ls);
			exit(serve(ctx, fd, seed + i));
		}
		close(fd);
	}
	close(ls);
	for (int st; wait(&st) > 0;)
		failed += !WIFEXITED(st) || WEXITSTATUS(st);
	return failed ? 1 : 0;
}

static int connect_to(const char *host)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &ai)) {
		fprintf(stderr, "cannot resolve %s\n", host);
		return -1;
	}
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
		if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Receives the stream of connection @i; the server numbers connections in accept order, so
 * the stream is identified by its first 8 bytes rather than by @i. */
static int receive(SSL_CTX *ctx, const char *host, int i)
{
	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap), *want = malloc(cap);
	unsigned long long got = 0;
	uint64_t s = 0;
	int fd, ok = 0, found = 0;
	SSL *ssl;
	double t0;

	for (int tries = 0; (fd = connect_to(host)) < 0; tries++) {
		if (tries > 50)
			return 1;
		usleep(100000);
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (sni && SSL_set_tlsext_host_name(ssl, sni) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		goto out;
	}
	t0 = now();
	for (;;) {
		int r = SSL_read(ssl, buf, cap);

		if (r <= 0) {
			int e = SSL_get_error(ssl, r);

			if (e == SSL_ERROR_ZERO_RETURN)
				break;
			fprintf(stderr, "conn %d: SSL_read error %d after %llu bytes (errno %d)\n",
				i, e, got, errno);
			ERR_print_errors_fp(stderr);
			goto out;
		}
		if (!found) {
			/* The first read holds at least one byte; find the seed it was made with. */
			for (uint64_t c = seed; c < seed + (uint64_t)conns + 1024 && !found; c++) {
				stream_fill(c, 0, want, r);
				if (!memcmp(buf, want, r)) {
					s = c;
					found = 1;
				}
			}
			if (!found) {
				fprintf(stderr, "conn %d: stream start matches no seed\n", i);
				goto out;
			}
		}
		stream_fill(s, got, want, r);
		if (memcmp(buf, want, r)) {
			for (int k = 0; k < r; k++)
				if (buf[k] != want[k]) {
					fprintf(stderr, "conn %d: MISMATCH at byte %llu\n", i, got + k);
					break;
				}
			goto out;
		}
		got += r;
	}
	if (got != nbytes) {
		fprintf(stderr, "conn %d: got %llu bytes, expected %llu\n", i, got, nbytes);
		goto out;
	}
	printf("conn %d ok %llu ktls_rx=%d %.1f MB/s\n", i, got,
	       (int)BIO_get_ktls_recv(SSL_get_rbio(ssl)), got / (now() - t0) / 1e6);
	ok = 1;
out:
	SSL_free(ssl);
	close(fd);
	free(buf);
	free(want);
	return ok ? 0 : 1;
}

static int run_client(const char *host)
{
	SSL_CTX *ctx = make_ctx(0);
	int failed = 0;

	if (conns == 1)
		return receive(ctx, host, 0);
	for (int i = 0; i < conns; i++)
		if (fork() == 0)
			exit(receive(ctx, host, i));
	for (int st; wait(&st) > 0;)
		failed += !WIFEXITED(st) || WEXITSTATUS(st);
	if (failed)
		fprintf(stderr, "%d of %d connections failed\n", failed, conns);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", 1, 0, 'C' },	   { "key", 1, 0, 'K' },      { "tls13", 0, 0, '3' },
		{ "cipher", 1, 0, 'c' },   { "no-ktls", 0, 0, 'n' },  { "bytes", 1, 0, 'b' },
		{ "wsize", 1, 0, 'w' },	   { "sendfile", 0, 0, 's' }, { "zerocopy", 0, 0, 'z' },
		{ "conns", 1, 0, 'N' },	   { "seed", 1, 0, 'S' },     { "sni", 1, 0, 'H' },
		{ 0 }
	};
	const char *mode = argc > 1 ? argv[1] : "";
	const char *host = NULL;
	int o;

	if (argc > 2 && !strcmp(mode, "client") && argv[2][0] != '-')
		host = argv[2];
	optind = host ? 3 : 2;
	while ((o = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		switch (o) {
		case 'p': port = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case '3': tls13 = 1; break;
		case 'c': cipher = optarg; break;
		case 'n': no_ktls = 1; break;
		case 'b': nbytes = strtoull(optarg, NULL, 0); break;
		case 'w':
			wmin = wmax = strtoul(optarg, NULL, 0);
			if (strchr(optarg, '-'))
				wmax = strtoul(strchr(optarg, '-') + 1, NULL, 0);
			if (!wmin || wmax < wmin || wmax > (1 << 24)) {
				fprintf(stderr, "bad --wsize\n");
				return 2;
			}
			break;
		case 's': use_sendfile = 1; break;
		case 'z': zerocopy = 1; break;
		case 'N': conns = atoi(optarg); break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'H': sni = optarg; break;
		default: return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "server"))
		return run_server();
	if (!strcmp(mode, "client") && host)
		return run_client(host);
	fprintf(stderr, "usage: tlsnic-tls server|client HOST [options] (see source)\n");
	return 2;
}
