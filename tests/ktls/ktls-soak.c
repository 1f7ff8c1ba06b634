// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-soak: many short kTLS flows, each set up with raw setsockopt() (no TLS handshake),
 * offloaded both ways, carrying a verified message each way and closed; a batch of them alive
 * at once.
 *
 *   ktls-soak server -p PORT --seed S --flows N [--reply BYTES]
 *   ktls-soak client HOST -p PORT --seed S --flows N --batch B [--reply BYTES] [--peak-cmd CMD]
 *                    [--late-rx]
 *
 * One flow, id 0..N-1 (the client numbers them; AES-256-GCM for an odd id, AES-128-GCM for an
 * even one; keys from kt_key(S, id, dir), dir 0 client to server, dir 1 server to client):
 *
 *   client: connect, send the id (8 bytes, little endian) in plaintext, TCP_ULP "tls", TLS_TX
 *           (dir 0), TLS_RX (dir 1; with --late-rx only before reading the reply) -- the flow's
 *           setup time is measured from before the connect to here -- then send MSG_LEN bytes
 *           of stream (S, id, 0) through kTLS.
 *   server: read the 8-byte id in plaintext, TCP_ULP "tls", TLS_RX (dir 0), TLS_TX (dir 1), read
 *           and verify the MSG_LEN bytes, send BYTES of stream (S, id, 1), wait for
 *           the client's close (end of stream) and close.
 *   client: (once its whole batch is open) read and verify the reply; close.
 *
 * The message usually reaches the server before it has set up TLS_RX: the kernel decrypts such
 * a record in software (the device only sees it encrypted). The reply always arrives after the
 * client's TLS_RX: its device decrypts it. With --late-rx the client sets TLS_RX only when it
 * comes to read the reply, once the reply's first bytes are in its socket: the socket then
 * holds data past the flow's first record when the device takes the flow up (a reply larger
 * than the receive window goes on arriving afterwards).
 *
 * The server (one process, an epoll loop over non-blocking sockets, IPv4 and IPv6) exits 0 once
 * N distinct flows were verified and closed; on any error or mismatch it prints the reason on
 * stderr and exits 1.
 *
 * The client works in batches of B flows: it opens all B, runs CMD (with system(), if given;
 * e.g. to read live-context counters while the batch is alive), then reads and verifies every
 * reply and closes all B. It prints one line per batch and a summary line:
 *
 *   soak flows=N batch=B failed=F setup_us p50=.. p90=.. p99=.. max=.. elapsed=..s rate=../s
 *
 * and exits non-zero if any flow failed (connect or setsockopt error, short read, mismatch).
 *
 * Defaults: -p 4433 --seed 1 --flows 10000 --batch 1000 --reply 4096 (one record; both ends
 * must be given the same BYTES, at most 16 MiB). The client raises its open-file limit to B + 64,
 * the server to N + 64 (at most 65536).
 */
#include "ktls-test.h"

#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define MSG_LEN		1024	/* client to server, one record */
#define CHUNK		16384	/* reply bytes sent or checked at a time */
#define MAX_REPLY	(16u << 20)
#define IO_TIMEOUT	60	/* client: seconds a blocking send or receive may take */
#define IDLE_TIMEOUT	120	/* server: seconds without any event before giving up */
#define MAX_REPORTS	10	/* client: flow failures described on stderr */
#define MAX_FAILED	100	/* client: failures before it stops opening flows */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *port = "4433";
static const char *peak_cmd;
static uint64_t seed = 1;
static uint64_t flows = 10000;
static uint64_t batch = 1000;
static size_t reply_len = 4096;	/* server to client */
static int late_rx;		/* client: TLS_RX once the reply has begun to arrive */

/* The stream of flow @id's bytes in direction @dir. */
/* Odd flows are AES-256-GCM, even ones AES-128-GCM. */
static int flow_aes256(uint64_t id)
{
	return id & 1;
}

static uint64_t flow_stream(uint64_t id, int dir)
{
	return kt_mix(seed ^ kt_mix(id * 2 + (unsigned int)dir + 0x50a6));
}

/* Raises the open-file limit to at least @want (root may raise the hard limit too). */
static int raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ktls-soak server -p PORT --seed S --flows N [--reply BYTES]\n"
		"       ktls-soak client HOST -p PORT --seed S --flows N --batch B [--reply BYTES]\n"
		"                        [--peak-cmd CMD] [--late-rx]\n");
	exit(2);
}

/* --- server -------------------------------------------------------------------------- */

enum sstate { S_HDR, S_MSG, S_REPLY, S_EOF };

struct sconn {
	int fd;
	enum sstate state;
	uint64_t id;
	size_t have;		/* bytes of the header or message read, of the reply sent */
	uint32_t events;	/* registered with epoll */
	unsigned char hdr[8];
	unsigned char msg[MSG_LEN];
};

static int epfd;
static unsigned char *seen;	/* one byte per flow id: verified already */
static uint64_t done;

static void __attribute__((noreturn)) sfail(const struct sconn *c, const char *what, int err)
{
	if (c && c->state != S_HDR)
		fprintf(stderr, "ktls-soak server: flow %" PRIu64 ": %s%s%s\n",
			c->id, what, err ? ": " : "", err ? strerror(err) : "");
	else
		fprintf(stderr, "ktls-soak server: %s%s%s\n",
			what, err ? ": " : "", err ? strerror(err) : "");
	fprintf(stderr, "ktls-soak server: %" PRIu64 " of %" PRIu64 " flows done\n", done, flows);
	exit(1);
}

static void swatch(struct sconn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev))
		sfail(c, "epoll_ctl", errno);
	c->events = events;
}

/* recv() on a non-blocking socket: bytes read, or 0 for "try later"; fails on end of stream. */
static size_t srecv(struct sconn *c, void *buf, size_t len, const char *what)
{
	ssize_t n = recv(c->fd, buf, len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		sfail(c, what, errno);
	if (n == 0)
		sfail(c, what, ECONNRESET);
	return (size_t)n;
}

/* Advances a connection as far as its socket allows. Returns 1 once it is closed. */
static int sstep(struct sconn *c)
{
	unsigned char buf[CHUNK > MSG_LEN ? CHUNK : MSG_LEN];
	int aes256;
	ssize_t n;

	switch (c->state) {
	case S_HDR:
		/*
		 * In plaintext: asking for no more than the header's bytes leaves the first TLS
		 * record in the socket for kTLS. It may arrive in pieces (non-blocking socket).
		 */
		c->have += srecv(c, c->hdr + c->have, sizeof(c->hdr) - c->have,
				 "reading the header");
		if (c->have < sizeof(c->hdr))
			return 0;
		c->id = 0;
		for (int i = 7; i >= 0; i--)
			c->id = c->id << 8 | c->hdr[i];
		c->state = S_MSG;
		c->have = 0;
		if (c->id >= flows)
			sfail(c, "flow id out of range", 0);
		if (seen[c->id])
			sfail(c, "flow id seen twice", 0);
		seen[c->id] = 1;
		aes256 = flow_aes256(c->id);
		if (kt_ulp(c->fd))
			sfail(c, "TCP_ULP tls", errno);
		if (kt_ktls(c->fd, TLS_RX, seed, c->id, 0, aes256))
			sfail(c, "TLS_RX", errno);
		if (kt_ktls(c->fd, TLS_TX, seed, c->id, 1, aes256))
			sfail(c, "TLS_TX", errno);
		/* fall through */
	case S_MSG:
		c->have += srecv(c, c->msg + c->have, MSG_LEN - c->have, "reading the message");
		if (c->have < MSG_LEN)
			return 0;
		kt_stream(flow_stream(c->id, 0), 0, buf, MSG_LEN);
		if (memcmp(buf, c->msg, MSG_LEN))
			sfail(c, "message mismatch", 0);
		c->state = S_REPLY;
		c->have = 0;
		/* fall through */
	case S_REPLY:
		while (c->have < reply_len) {
			size_t len = reply_len - c->have < CHUNK ? reply_len - c->have : CHUNK;

			kt_stream(flow_stream(c->id, 1), c->have, buf, len);
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				swatch(c, EPOLLOUT);
				return 0;
			}
			if (n <= 0)
				sfail(c, "sending the reply", n < 0 ? errno : EIO);
			c->have += (size_t)n;
		}
		swatch(c, EPOLLIN);
		c->state = S_EOF;
		/* fall through */
	case S_EOF:
		n = recv(c->fd, buf, 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			sfail(c, "waiting for the close", errno);
		if (n > 0)
			sfail(c, "data after the message", 0);
		close(c->fd);
		return 1;
	}
	return 0;
}

static int server(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[256];
	int lfd, one = 1, zero = 0;

	seen = calloc(flows, 1);
	if (!seen)
		sfail(NULL, "calloc", errno);
	if (raise_nofile(flows + 64 < 65536 ? flows + 64 : 65536))
		sfail(NULL, "RLIMIT_NOFILE", errno);
	sa.sin6_port = htons((uint16_t)atoi(port));
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		sfail(NULL, "socket", errno);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)))
		sfail(NULL, "bind", errno);
	if (listen(lfd, 4096))
		sfail(NULL, "listen", errno);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev))
		sfail(NULL, "epoll", errno);

	while (done < flows) {
		int n = epoll_wait(epfd, evs, ARRAY_SIZE(evs), IDLE_TIMEOUT * 1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			sfail(NULL, "epoll_wait", errno);
		if (n == 0)
			sfail(NULL, "no event for a long time", ETIMEDOUT);
		for (int i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (c) {
				if (sstep(c)) {
					free(c);
					done++;
				}
				continue;
			}
			for (;;) {
				int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (fd < 0 && (errno == EAGAIN || errno == EINTR))
					break;
				if (fd < 0)
					sfail(NULL, "accept", errno);
				c = calloc(1, sizeof(*c));
				if (!c)
					sfail(NULL, "calloc", errno);
				c->fd = fd;
				c->events = EPOLLIN;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
					sfail(NULL, "epoll_ctl", errno);
			}
		}
	}
	printf("soak server flows=%" PRIu64 " verified\n", flows);
	return 0;
}

/* --- client -------------------------------------------------------------------------- */

static const char *host;
static uint64_t failed;

static void cfail(uint64_t id, const char *what, int err)
{
	if (++failed <= MAX_REPORTS)
		fprintf(stderr, "ktls-soak client: flow %" PRIu64 ": %s%s%s\n", id,
			what, err ? ": " : "", err ? strerror(err) : "");
}

/* Opens flow @id: its socket, or -1 (the flow failed). Sets *@us to the flow's setup time. */
static int copen(uint64_t id, double *us)
{
	struct timeval tmo = { .tv_sec = IO_TIMEOUT };
	unsigned char hdr[8];
	int aes256 = flow_aes256(id), fd;
	double t0;

	for (int i = 0; i < 8; i++)
		hdr[i] = (unsigned char)(id >> (8 * i));
	t0 = kt_now();
	fd = kt_connect(host, port, 0);
	if (fd < 0) {
		cfail(id, "connect", errno);
		return -1;
	}
	if (kt_send_all(fd, hdr, sizeof(hdr))) {
		cfail(id, "sending the header", errno);
		goto err;
	}
	if (kt_ulp(fd)) {
		cfail(id, "TCP_ULP tls", errno);
		goto err;
	}
	if (kt_ktls(fd, TLS_TX, seed, id, 0, aes256)) {
		cfail(id, "TLS_TX", errno);
		goto err;
	}
	if (!late_rx && kt_ktls(fd, TLS_RX, seed, id, 1, aes256)) {
		cfail(id, "TLS_RX", errno);
		goto err;
	}
	*us = (kt_now() - t0) * 1e6;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	return fd;
err:
	close(fd);
	return -1;
}

/* Sends flow @id's message; 0 or -1 (the flow failed). */
static int cmsg(int fd, uint64_t id)
{
	unsigned char msg[MSG_LEN];

	kt_stream(flow_stream(id, 0), 0, msg, MSG_LEN);
	if (kt_send_all(fd, msg, MSG_LEN)) {
		cfail(id, "sending the message", errno);
		return -1;
	}
	return 0;
}

/* Reads and verifies flow @id's reply; 0 or -1 (the flow failed). */
static int creply(int fd, uint64_t id)
{
	unsigned char got[CHUNK], want[CHUNK];

	if (late_rx) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		int n = poll(&p, 1, IO_TIMEOUT * 1000);

		if (n != 1) {
			cfail(id, "waiting for the reply", n ? errno : ETIMEDOUT);
			return -1;
		}
		if (kt_ktls(fd, TLS_RX, seed, id, 1, flow_aes256(id))) {
			cfail(id, "TLS_RX", errno);
			return -1;
		}
	}
	for (size_t off = 0; off < reply_len; off += CHUNK) {
		size_t len = reply_len - off < CHUNK ? reply_len - off : CHUNK;

		errno = 0;
		if (kt_recv_all(fd, got, len)) {
			cfail(id, errno ? "reading the reply" :
				  "reading the reply: early end of stream", errno);
			return -1;
		}
		kt_stream(flow_stream(id, 1), off, want, len);
		if (memcmp(got, want, len)) {
			cfail(id, "reply mismatch", 0);
			return -1;
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile @p (in percent) of the @n sorted values @v. */
static double pct(const double *v, size_t n, unsigned int p)
{
	size_t k = (p * n + 99) / 100;

	return n ? v[k ? k - 1 : 0] : 0;
}

static int client(void)
{
	double *setup = calloc(flows, sizeof(*setup)), start = kt_now(), elapsed;
	int *fds = calloc(batch, sizeof(*fds));
	size_t nsetup = 0;

	if (!setup || !fds) {
		perror("ktls-soak client: calloc");
		return 1;
	}
	if (raise_nofile(batch + 64)) {
		perror("ktls-soak client: RLIMIT_NOFILE");
		return 1;
	}
	for (uint64_t base = 0; base < flows && failed <= MAX_FAILED; base += batch) {
		uint64_t n = flows - base < batch ? flows - base : batch, open = 0;
		double t0 = kt_now(), t1, t2;

		for (uint64_t i = 0; i < n; i++) {
			fds[i] = copen(base + i, &setup[nsetup]);
			if (fds[i] < 0)
				continue;
			nsetup++;
			if (cmsg(fds[i], base + i)) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			open++;
		}
		t1 = kt_now();
		fflush(stdout);
		if (peak_cmd && system(peak_cmd))
			fprintf(stderr, "ktls-soak client: the peak command failed\n");
		fflush(stdout);
		t2 = kt_now();
		for (uint64_t i = 0; i < n; i++)
			if (fds[i] >= 0)
				creply(fds[i], base + i);
		for (uint64_t i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		printf("batch %" PRIu64 ": flows %" PRIu64 "-%" PRIu64 ", %" PRIu64
		       " open in %.1f s, peak command %.1f s, replies and close %.1f s\n",
		       base / batch, base, base + n - 1, open, t1 - t0, t2 - t1, kt_now() - t2);
		fflush(stdout);
	}
	if (failed > MAX_FAILED)
		fprintf(stderr, "ktls-soak client: too many failures, stopped\n");
	elapsed = kt_now() - start;
	qsort(setup, nsetup, sizeof(*setup), cmp_double);
	printf("soak flows=%" PRIu64 " batch=%" PRIu64 " failed=%" PRIu64
	       " setup_us p50=%.0f p90=%.0f p99=%.0f max=%.0f elapsed=%.1fs rate=%.0f/s\n",
	       flows, batch, failed, pct(setup, nsetup, 50), pct(setup, nsetup, 90),
	       pct(setup, nsetup, 99),
	       nsetup ? setup[nsetup - 1] : 0, elapsed, elapsed > 0 ? nsetup / elapsed : 0);
	free(setup);
	free(fds);
	return failed || nsetup < flows;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "peak-cmd", required_argument, NULL, 'c' },
		{ "reply", required_argument, NULL, 'r' },
		{ "late-rx", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	int is_server, o;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		is_server = 1;
	else if (!strcmp(argv[1], "client"))
		is_server = 0;
	else
		usage();
	argc--;
	argv++;
	while ((o = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			port = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			flows = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			peak_cmd = optarg;
			break;
		case 'r':
			reply_len = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			late_rx = 1;
			break;
		default:
			usage();
		}
	}
	if (!flows || !batch || !reply_len || reply_len > MAX_REPLY)
		usage();
	if (is_server) {
		if (optind != argc)
			usage();
		return server();
	}
	if (optind != argc - 1)
		usage();
	host = argv[optind];
	return client();
}
