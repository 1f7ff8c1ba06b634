// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-hostile's server: one thread per connection, which sinks, resets, answers a verified
 * flow through kTLS after checking its bytes, or sends garbage records, as the client's header
 * asks.
 */
#include "hostile.h"

#include <stdarg.h>

/* A FAIL line of the server (test 29 fails on any). */
static void server_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void server_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	fputs("FAIL ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&out_lock);
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct timeval tv = { .tv_sec = 60 };
	unsigned char buf[CHUNK], want[CHUNK];
	struct reply rep = { 0 };
	struct kt_rng r;
	struct hdr h;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (recv(fd, &h, sizeof(h), MSG_WAITALL) != sizeof(h) || h.magic != MAGIC)
		goto out;
	r.s = kt_mix(seed ^ h.id ^ 0x5e7e);
	switch (h.mode) {
	case M_SINK:
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	case M_SINK_RST: {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		uint64_t left = kt_below(&r, 2 * ABORT_LEN) + 1;

		while (left && (n = recv(fd, buf, left < sizeof(buf) ? left : sizeof(buf), 0)) > 0)
			left -= (uint64_t)n;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	}
	case M_GARBAGE:
		/* The client's go (it has set up kTLS: a FIN before would fail its ULP). */
		if (recv(fd, buf, 1, 0) != 1)
			break;
		for (int i = 0, k = (int)kt_below(&r, 8) + 1; i < k; i++) {
			size_t len = kt_below(&r, 600) + 1;

			for (size_t j = 0; j < len; j += 8) {
				uint64_t w = kt_next(&r);

				memcpy(buf + j, &w, 8);
			}
			if (kt_below(&r, 2)) {
				/* A record header: a content type, TLS 1.2 and a random length. */
				static const unsigned char types[] = { 20, 21, 22, 23, 24, 0, 255 };
				unsigned int rl = kt_below(&r, 4) ? (unsigned int)kt_below(&r, 600)
								  : (unsigned int)kt_next(&r);

				buf[0] = types[kt_below(&r, sizeof(types))];
				buf[1] = 3;
				buf[2] = kt_below(&r, 4) ? 3 : (unsigned char)kt_next(&r);
				buf[3] = (unsigned char)(rl >> 8);
				buf[4] = (unsigned char)rl;
				if (len < 5)
					len = 5;
			}
			if (kt_send_all(fd, buf, len))
				break;
		}
		shutdown(fd, SHUT_WR);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	case M_VERIFY: {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		uint64_t pos = 0;

		/*
		 * The TLS ULP only attaches to an ESTABLISHED socket (tls_init: ENOTCONN once the
		 * peer's FIN made it CLOSE_WAIT), so the client waits for this side's go, a kTLS
		 * record, before it shuts down its half. A setup failure resets the connection: the
		 * client cannot read a plaintext answer through kTLS.
		 */
		if (kt_ulp(fd) || kt_ktls(fd, TLS_RX, seed, h.id, 0, h.aes256) ||
		    kt_ktls(fd, TLS_TX, seed, h.id, 1, h.aes256) ||
		    kt_send_all(fd, "v", 1)) {
			server_fail("flow %llu: kTLS setup: %s", (unsigned long long)h.id,
				    strerror(errno));
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			break;
		}
		while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			if (h.writers == 1) {
				kt_stream(FILE_STREAM, pos % FILE_SIZE, want, (size_t)n);
				if (pos + (uint64_t)n > FILE_SIZE || memcmp(buf, want, (size_t)n)) {
					rep.status = EILSEQ;
					break;
				}
			}
			pos += (uint64_t)n;
		}
		if (n < 0 && !rep.status)
			rep.status = (uint32_t)errno;
		rep.count = pos;
		if (rep.status)
			server_fail("flow %llu: %s after %llu bytes", (unsigned long long)h.id,
				    strerror((int)rep.status), (unsigned long long)rep.count);
		kt_send_all(fd, &rep, sizeof(rep));
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	}
	}
out:
	close(fd);
	return NULL;
}

int run_server(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(port)) };
	int one = 1, zero = 0, lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 512)) {
		perror("listen");
		return 1;
	}
	for (;;) {
		pthread_attr_t at;
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
				continue;
			perror("accept");
			return 1;
		}
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 512 * 1024);
		if (pthread_create(&t, &at, serve, (void *)(intptr_t)fd))
			close(fd);
		pthread_attr_destroy(&at);
	}
}
