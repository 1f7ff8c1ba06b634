// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-hostile: random and adversarial kTLS socket sequences over a route through tlsnic, with
 * the errno of every call checked against the kernel's documented behaviour.
 *
 *   ktls-hostile server -p PORT --seed S
 *   ktls-hostile client HOST -p PORT --seed S --secs T [--threads N] [--tolerant]
 *                [--min-flows F [--max-secs M]] [--only setsockopt|verified|abort|garbage|rectype]
 *
 * The client runs N workers for T seconds, and on past T until F verified flows have finished
 * (at most M seconds in all, default 6 T), so that a slow machine still makes the flows a test
 * counts on instead of fewer. Each worker draws scenarios from a generator seeded
 * with S and its index (the same seed gives the same choices; timing still varies):
 *
 *   setsockopt  crypto_info of every size, unknown versions and ciphers, random bytes, valid
 *               ones, TLS_TX/TLS_RX twice, the ULP twice or by a wrong name, before connect,
 *               after shutdown, bad pointers, unknown options. Each result is compared with a
 *               model of net/tls/tls_main.c (do_tls_setsockopt_conf) and net/ipv4/tcp_ulp.c.
 *   verified    TLS_TX and TLS_RX with a valid key; plaintext sent with write, send(MSG_MORE),
 *               sendfile, splice, or from three threads at once; the server decrypts with kTLS,
 *               checks every byte (or the count, for concurrent writers) and answers through
 *               kTLS; the answer must arrive intact.
 *   abort       a large sendfile, splice or write on an offloaded socket while another thread
 *               closes or shuts the socket down, or while the server resets the connection.
 *   garbage     the server sends random bytes and TLS-shaped records with random lengths to a
 *               socket with TLS_RX; receive must fail with a TLS error, never return data.
 *   rectype     sendmsg with a TLS_SET_RECORD_TYPE control message (random type, bad length,
 *               with MSG_MORE) and with unsupported flags.
 *
 * Exit status 1 if any call returned something the model does not allow or a verified flow
 * lost data. --tolerant also allows the errors of a network that disappears (the test removes
 * the namespace or the module under it), but never a wrong setsockopt result or bad data.
 * A table of (operation, errno) counts is printed at the end.
 *
 * The server accepts any number of connections (one thread each) until killed; it prints a
 * FAIL line for a verified flow whose data it could not check.
 */
#include "ktls-test.h"

#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#define MAGIC 0x544c5348u
#define FILE_SIZE (1u << 20)
#define FILE_STREAM 0xf11eULL
#define CHUNK 65536
/* Most bytes of a verified flow, and of a transfer that is cut off. */
#define VERIFY_MAX (128u << 10)
#define ABORT_LEN (256u << 10)

/* Cipher numbers of linux/tls.h, also where the installed header is older than 6.12. */
#define C_AES_GCM_128 51
#define C_AES_GCM_256 52
#define C_AES_CCM_128 53
#define C_CHACHA20_POLY1305 54
#define C_SM4_GCM 55
#define C_SM4_CCM 56
#define C_ARIA_GCM_128 57
#define C_ARIA_GCM_256 58

enum mode { M_SINK, M_SINK_RST, M_VERIFY, M_GARBAGE };

struct hdr {
	uint32_t magic;
	uint8_t mode;
	uint8_t aes256;
	uint8_t writers;
	uint8_t pad;
	uint64_t id;
};

struct reply {
	uint32_t status;
	uint32_t pad;
	uint64_t count;
};

static const char *host, *port = "4433";
static uint64_t seed = 1;
static int secs = 30, nthreads = 3, tolerant, max_secs;
static unsigned long min_flows;
static const char *only;
static int file_fd = -1;
static double start, deadline, hard_deadline;
static unsigned long failures, flows_ok, next_id;

/* --- errno bookkeeping ------------------------------------------------------------------- */

enum op {
	OP_ULP, OP_CONF, OP_BADPTR, OP_BADOPT, OP_SEND, OP_SENDFILE, OP_SPLICE, OP_MTHREAD,
	OP_RECV, OP_CMSG, OP_OOB, OP_ABORT, OP_CONNECT, OP_NR
};
static const char *const op_name[OP_NR] = {
	"ulp", "setsockopt-conf", "setsockopt-badptr", "setsockopt-badopt", "send", "sendfile",
	"splice", "send-threads", "recv", "sendmsg-rectype", "send-oob", "abort", "connect",
};
static unsigned long tally[OP_NR][136];
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void count(enum op op, int err)
{
	__atomic_fetch_add(&tally[op][err >= 0 && err < 136 ? err : 135], 1, __ATOMIC_RELAXED);
}

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
	va_list ap;

	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "MISMATCH at %lld.%03ld ", (long long)now.tv_sec, now.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
	pthread_mutex_unlock(&out_lock);
}

/* Errors of a network that goes away (only allowed with --tolerant). */
static int net_gone(int err)
{
	return tolerant && (err == EPIPE || err == ECONNRESET || err == ETIMEDOUT ||
			    err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED ||
			    err == ENOTCONN || err == EAGAIN || err == ENETDOWN || err == ENODEV);
}

/* Check the result of one call: 0 or an errno in the zero-terminated list @ok. */
static int check(enum op op, long rc, const int *ok, const char *what)
{
	int err = rc < 0 ? errno : 0;

	count(op, err);
	if (!err)
		return 0;
	for (; *ok; ok++)
		if (*ok == err)
			return err;
	if (net_gone(err))
		return err;
	failure("%s: %s: %s", op_name[op], what, strerror(err));
	return err;
}

/* --- server ------------------------------------------------------------------------------ */

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

static int run_server(void)
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

/* --- client: connections ----------------------------------------------------------------- */

static int open_flow(enum mode mode, int aes256, int writers, uint64_t *id)
{
	/* A vanishing network (--tolerant) leaves calls waiting for their timeout. */
	struct timeval tv = { .tv_sec = mode == M_VERIFY && !tolerant ? 60 : 10 };
	struct hdr h = { .magic = MAGIC, .mode = (uint8_t)mode, .aes256 = (uint8_t)aes256,
			 .writers = (uint8_t)writers };
	/* While chaos has the link down, the route is gone. */
	static const int unreachable[] = { ENETUNREACH, EHOSTUNREACH, 0 };
	static const int none[] = { 0 };
	int fd;

	*id = h.id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED) ^ (seed << 32);
	/* A connect that was under way when the network went away gives up after 7 s. */
	fd = kt_connect(host, port, tolerant ? 2 : 0);
	if (check(OP_CONNECT, fd, unreachable, "connect") || fd < 0) {
		usleep(20000);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (kt_send_all(fd, &h, sizeof(h))) {
		check(OP_SEND, -1, none, "header");
		close(fd);
		return -1;
	}
	return fd;
}

/* Model state of one socket for the setsockopt scenario. */
struct sockmodel {
	int est;		/* TCP_ESTABLISHED */
	int ulp;
	int set[2];		/* TLS_RX, TLS_TX configured */
	uint16_t ver[2], cipher[2];
};

static size_t cipher_size(uint16_t c)
{
	switch (c) {
	case C_AES_GCM_128: case C_AES_CCM_128: case C_SM4_GCM: case C_SM4_CCM:
	case C_ARIA_GCM_128:
		return 40;
	case C_AES_GCM_256: case C_CHACHA20_POLY1305: case C_ARIA_GCM_256:
		return 56;
	}
	return 0;
}

/* What do_tls_setsockopt_conf() returns for this input (0 or an errno). */
static int model_conf(const struct sockmodel *m, int tx, const unsigned char *buf, size_t len,
		      int badptr)
{
	uint16_t ver, cipher;

	if (!m->ulp)
		return ENOPROTOOPT;
	if (len < 4)
		return EINVAL;
	if (m->set[tx])
		return EBUSY;
	if (badptr)
		return EFAULT;
	memcpy(&ver, buf, 2);
	memcpy(&cipher, buf + 2, 2);
	if (ver != TLS_1_2_VERSION && ver != TLS_1_3_VERSION)
		return EINVAL;
	if ((cipher == C_ARIA_GCM_128 || cipher == C_ARIA_GCM_256) && ver != TLS_1_2_VERSION)
		return EINVAL;
	if (m->set[!tx] && (m->ver[!tx] != ver || m->cipher[!tx] != cipher))
		return EINVAL;
	if (!cipher_size(cipher) || len != cipher_size(cipher))
		return EINVAL;
	/* SM4 and ARIA are not in the test kernel: the software setup cannot get the cipher. */
	if (cipher == C_SM4_GCM || cipher == C_SM4_CCM || cipher == C_ARIA_GCM_128 ||
	    cipher == C_ARIA_GCM_256)
		return ENOENT;
	return 0;
}

static void one_conf(struct kt_rng *r, int fd, struct sockmodel *m)
{
	static const uint16_t vers[] = { TLS_1_2_VERSION, TLS_1_3_VERSION, 0, 0x0302, 0xffff, 0x0403 };
	static const uint16_t ciphers[] = { C_AES_GCM_128, C_AES_GCM_256, C_AES_CCM_128,
		C_CHACHA20_POLY1305, C_SM4_GCM, C_SM4_CCM, C_ARIA_GCM_128, C_ARIA_GCM_256, 0, 50, 59,
		0xffff };
	unsigned char buf[80];
	int tx = (int)kt_below(r, 2), want, badptr = !kt_below(r, 16);
	size_t len;
	uint16_t v, c;
	char what[64];

	for (size_t i = 0; i < sizeof(buf); i += 8) {
		uint64_t w = kt_next(r);

		memcpy(buf + i, &w, 8);
	}
	memcpy(buf + 4, KT_KEY_MARK, sizeof(KT_KEY_MARK));
	v = kt_below(r, 8) ? vers[kt_below(r, 2)] : vers[kt_below(r, sizeof(vers) / 2)];
	if (!kt_below(r, 16))
		v = (uint16_t)kt_next(r);
	c = kt_below(r, 3) ? (uint16_t)(C_AES_GCM_128 + kt_below(r, 2))
			   : ciphers[kt_below(r, sizeof(ciphers) / 2)];
	if (!kt_below(r, 16))
		c = (uint16_t)kt_next(r);
	if (m->set[!tx] && kt_below(r, 2)) {
		/* Mostly match the other direction, as a TLS library would. */
		v = m->ver[!tx];
		c = m->cipher[!tx];
	}
	memcpy(buf, &v, 2);
	memcpy(buf + 2, &c, 2);
	len = kt_below(r, 2) && cipher_size(c) ? cipher_size(c) : kt_below(r, sizeof(buf) + 1);
	want = model_conf(m, tx, buf, len, badptr);
	snprintf(what, sizeof(what), "%s len %zu version %#x cipher %u%s", tx ? "TLS_TX" : "TLS_RX",
		 len, v, c, badptr ? " bad pointer" : "");
	errno = 0;
	int rc = setsockopt(fd, SOL_TLS, tx ? TLS_TX : TLS_RX, badptr ? (void *)8 : buf,
			    (socklen_t)len);
	int got = rc ? errno : 0;

	memset(buf, 0, sizeof(buf));
	count(badptr ? OP_BADPTR : OP_CONF, got);
	if (got != want && !net_gone(got))
		failure("%s: %s: got %s, want %s", op_name[OP_CONF], what,
			got ? strerror(got) : "success", want ? strerror(want) : "success");
	if (!got) {
		m->set[tx] = 1;
		m->ver[tx] = v;
		m->cipher[tx] = c;
	}
}

static void scen_setsockopt(struct kt_rng *r)
{
	struct sockmodel m = { 0 };
	uint64_t id;
	int fd, steps = (int)kt_below(r, 6) + 1;

	if (!kt_below(r, 8)) {
		/* Not connected: the ULP needs an established connection. */
		struct sockaddr_storage sa;
		socklen_t salen;
		unsigned char ci[40] = { 3, 3, C_AES_GCM_128 };
		int e;

		fd = kt_socket(host, port, &sa, &salen);
		if (fd < 0)
			return;
		e = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) ? errno : 0;
		count(OP_ULP, e);
		if (e != ENOTCONN)
			failure("ulp before connect: %s", e ? strerror(e) : "success");
		e = setsockopt(fd, SOL_TLS, TLS_TX, ci, sizeof(ci)) ? errno : 0;
		count(OP_CONF, e);
		if (e != ENOPROTOOPT)
			failure("TLS_TX before connect: %s", e ? strerror(e) : "success");
		close(fd);
		return;
	}
	fd = open_flow(M_SINK, 0, 1, &id);
	if (fd < 0)
		return;
	m.est = 1;
	while (steps--) {
		unsigned int what = (unsigned int)kt_below(r, 10);
		int e, want;

		if (what < 2 || (!m.ulp && what < 6)) {
			int bad = !kt_below(r, 8);

			e = setsockopt(fd, IPPROTO_TCP, TCP_ULP, bad ? "tlx" : "tls", 4) ? errno : 0;
			want = bad ? ENOENT : m.ulp ? EEXIST : !m.est ? ENOTCONN : 0;
			count(OP_ULP, e);
			if (e != want && !net_gone(e))
				failure("ulp%s (attached %d, established %d): got %s, want %s",
					bad ? " tlx" : "", m.ulp, m.est, e ? strerror(e) : "success",
					want ? strerror(want) : "success");
			m.ulp |= !e;
		} else if (what < 8) {
			one_conf(r, fd, &m);
		} else if (what == 8) {
			int opt = kt_below(r, 2) ? 7 + (int)kt_below(r, 100) : -1;
			unsigned char b[8] = { 0 };

			e = setsockopt(fd, SOL_TLS, opt, b, sizeof(b)) ? errno : 0;
			count(OP_BADOPT, e);
			if (e != ENOPROTOOPT)
				failure("SOL_TLS option %d: %s", opt, e ? strerror(e) : "success");
		} else if (m.est) {
			shutdown(fd, SHUT_WR);
			m.est = 0;
		}
	}
	if (m.set[1] && kt_below(r, 2)) {
		/* Data through whatever got configured (the sink reads it). */
		static const int ok[] = { 0 };
		unsigned char b[4096];

		kt_stream(id, 0, b, sizeof(b));
		check(OP_SEND, send(fd, b, kt_below(r, sizeof(b)) + 1, MSG_NOSIGNAL),
		      m.est ? ok : (const int[]){ EPIPE, 0 }, "after setsockopt");
	}
	close(fd);
}

/* --- client: data -------------------------------------------------------------------- */

/* Send @len bytes of the file stream from @off by a method drawn from @r; bytes sent or -1. */
static long send_some(struct kt_rng *r, int fd, uint64_t off, size_t len, int more, enum op *op)
{
	static const int ok[] = { 0 };
	unsigned char buf[CHUNK];
	unsigned int how = (unsigned int)kt_below(r, 4);
	long n;

	if (len > sizeof(buf))
		len = sizeof(buf);
	if (how == 2) {
		off_t o = (off_t)off;

		*op = OP_SENDFILE;
		n = sendfile(fd, file_fd, &o, len);
	} else if (how == 3) {
		int p[2];

		*op = OP_SPLICE;
		if (pipe2(p, O_CLOEXEC))
			return -1;
		fcntl(p[1], F_SETPIPE_SZ, CHUNK);
		kt_stream(FILE_STREAM, off, buf, len);
		n = write(p[1], buf, len);
		/* Whatever is written to the pipe must reach the socket, or the stream has a gap. */
		for (long left = n, m; left > 0; left -= m) {
			m = splice(p[0], NULL, fd, NULL, (size_t)left, more ? SPLICE_F_MORE : 0);
			if (m <= 0) {
				n = -1;
				break;
			}
		}
		close(p[0]);
		close(p[1]);
	} else {
		*op = OP_SEND;
		kt_stream(FILE_STREAM, off, buf, len);
		n = send(fd, buf, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	}
	if (check(*op, n, ok, "verified flow"))
		return -1;
	return n;
}

struct writer {
	int fd;
	uint64_t seed;
	uint64_t sent;
	int err;
};

static void *concurrent_writer(void *arg)
{
	struct writer *w = arg;
	struct kt_rng r = { w->seed };
	unsigned char buf[CHUNK];
	int k = (int)kt_below(&r, 16) + 1;

	for (int i = 0; i < k; i++) {
		size_t len = kt_below(&r, sizeof(buf)) + 1;
		long n;

		kt_stream(w->seed, w->sent, buf, len);
		n = send(w->fd, buf, len, MSG_NOSIGNAL | (kt_below(&r, 3) ? 0 : MSG_MORE));
		if (n < 0) {
			w->err = errno;
			break;
		}
		w->sent += (uint64_t)n;
	}
	/* Close any open record of this writer's last MSG_MORE. */
	if (!w->err && send(w->fd, buf, 1, MSG_NOSIGNAL) == 1)
		w->sent++;
	return NULL;
}

static void scen_verified(struct kt_rng *r)
{
	static const int ok[] = { 0 };
	int aes256 = (int)kt_below(r, 2), writers = kt_below(r, 5) ? 1 : 3, fd;
	uint64_t id, sent = 0, total = kt_below(r, VERIFY_MAX) + 1;
	unsigned char go = 0;
	struct reply rep;
	enum op op = OP_SEND;

	fd = open_flow(M_VERIFY, aes256, writers, &id);
	if (fd < 0)
		return;
	if (check(OP_ULP, kt_ulp(fd), ok, "verified flow") ||
	    check(OP_CONF, kt_ktls(fd, TLS_TX, seed, id, 0, aes256), ok, "verified TLS_TX") ||
	    check(OP_CONF, kt_ktls(fd, TLS_RX, seed, id, 1, aes256), ok, "verified TLS_RX"))
		goto out;
	if (writers == 1) {
		while (sent < total) {
			size_t len = kt_below(r, kt_below(r, 4) ? 2048 : CHUNK) + 1;
			long n;

			if (len > total - sent)
				len = total - sent;
			n = send_some(r, fd, sent, len, sent + len < total && kt_below(r, 3) == 0, &op);
			if (n < 0)
				goto out;
			sent += (uint64_t)n;
		}
	} else {
		struct writer w[3];
		pthread_t t[3];

		for (int i = 0; i < 3; i++) {
			w[i] = (struct writer){ .fd = fd, .seed = kt_next(r) };
			if (pthread_create(&t[i], NULL, concurrent_writer, &w[i]))
				w[i].err = EAGAIN;
		}
		for (int i = 0; i < 3; i++) {
			pthread_join(t[i], NULL);
			sent += w[i].sent;
			if (check(OP_MTHREAD, w[i].err ? (errno = w[i].err, -1) : 0, ok, "concurrent"))
				goto out;
		}
	}
	/* The server's go: it has set up kTLS, so this side's FIN can no longer fail its ULP. */
	errno = 0;
	if (kt_recv_all(fd, &go, 1)) {
		if (errno)
			check(OP_RECV, -1, ok, "go of verified flow");
		else if (!tolerant)
			failure("verified flow %llu: no go from the server", (unsigned long long)id);
		goto out;
	}
	if (go != 'v') {
		failure("verified flow %llu: go is %#x, not 'v'", (unsigned long long)id, go);
		goto out;
	}
	if (check(OP_SEND, shutdown(fd, SHUT_WR), ok, "shutdown"))
		goto out;
	errno = 0;
	if (kt_recv_all(fd, &rep, sizeof(rep))) {
		if (errno) {
			struct sockaddr_in6 me;
			socklen_t ml = sizeof(me);
			char what[128];
			int e = errno;

			memset(&me, 0, sizeof(me));
			getsockname(fd, (struct sockaddr *)&me, &ml);
			snprintf(what, sizeof(what),
				 "answer of verified flow %llu (port %u, %d writers, AES-%d, %llu bytes)",
				 (unsigned long long)id, ntohs(me.sin6_port), writers, aes256 ? 256 : 128,
				 (unsigned long long)sent);
			errno = e;
			check(OP_RECV, -1, (const int[]){ 0 }, what);
		}
		else if (!tolerant)
			failure("verified flow %llu: answer cut short", (unsigned long long)id);
		goto out;
	}
	count(OP_RECV, 0);
	if (rep.status || rep.count != sent) {
		failure("verified flow %llu (%d writers, AES-%d): server says %s, %llu of %llu bytes",
			(unsigned long long)id, writers, aes256 ? 256 : 128,
			rep.status ? strerror((int)rep.status) : "ok", (unsigned long long)rep.count,
			(unsigned long long)sent);
		goto out;
	}
	__atomic_fetch_add(&flows_ok, 1, __ATOMIC_RELAXED);
out:
	close(fd);
}

static int null_fd = -1;

struct closer {
	int fd;
	int how;		/* 0: close, 1: shutdown, 2: nothing */
	unsigned int delay_us;
};

static void *closer_run(void *arg)
{
	struct closer *c = arg;

	usleep(c->delay_us);
	/*
	 * "Close" atomically points the descriptor at /dev/null: the socket loses its last
	 * descriptor while the transfer may still be in it, and the number cannot be reused by
	 * another worker's socket before this worker is done with it.
	 */
	if (c->how == 0)
		dup3(null_fd, c->fd, O_CLOEXEC);
	else if (c->how == 1)
		shutdown(c->fd, SHUT_RDWR);
	return NULL;
}

static void scen_abort(struct kt_rng *r)
{
	static const int ok[] = { EPIPE, ECONNRESET, ENOTSOCK, 0 };
	int rst = (int)kt_below(r, 2), fd;
	struct closer c;
	pthread_t t;
	uint64_t id;
	long n;

	fd = open_flow(rst ? M_SINK_RST : M_SINK, 0, 1, &id);
	if (fd < 0)
		return;
	if (kt_ulp(fd) || kt_ktls(fd, TLS_TX, seed, id, 0, (int)kt_below(r, 2))) {
		check(OP_CONF, -1, (const int[]){ 0 }, "abort setup");
		close(fd);
		return;
	}
	c = (struct closer){ .fd = fd, .how = rst ? 2 : (int)kt_below(r, 2),
			     .delay_us = (unsigned int)kt_below(r, 50000) };
	if (pthread_create(&t, NULL, closer_run, &c)) {
		close(fd);
		return;
	}
	switch (kt_below(r, 3)) {
	case 0: {
		off_t o = 0;

		n = sendfile(fd, file_fd, &o, ABORT_LEN);
		break;
	}
	case 1: {
		int p[2];

		n = -1;
		if (pipe2(p, O_CLOEXEC))
			break;
		for (uint64_t off = 0; off < ABORT_LEN; off += 4096) {
			n = splice(file_fd, (loff_t[]){ (loff_t)off }, p[1], NULL, 4096, 0);
			if (n > 0)
				n = splice(p[0], NULL, fd, NULL, (size_t)n, SPLICE_F_MORE);
			if (n <= 0)
				break;
		}
		close(p[0]);
		close(p[1]);
		break;
	}
	default: {
		unsigned char buf[CHUNK];

		kt_stream(id, 0, buf, sizeof(buf));
		for (unsigned int i = 0; i < ABORT_LEN / sizeof(buf); i++) {
			n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_MORE);
			if (n < 0)
				break;
		}
	}
	}
	check(OP_ABORT, n, ok, "transfer aborted under it");
	pthread_join(t, NULL);
	close(fd);
}

static void scen_garbage(struct kt_rng *r)
{
	static const int ok[] = { EBADMSG, EMSGSIZE, EINVAL, EIO, ECONNRESET, 0 };
	unsigned char buf[4096];
	int aes256 = (int)kt_below(r, 2), fd;
	uint64_t id;
	long n;

	fd = open_flow(M_GARBAGE, aes256, 1, &id);
	if (fd < 0)
		return;
	if (kt_ulp(fd) || kt_ktls(fd, TLS_RX, seed, id, 1, aes256) ||
	    (kt_below(r, 2) && kt_ktls(fd, TLS_TX, seed, id, 0, aes256))) {
		check(OP_CONF, -1, (const int[]){ 0 }, "garbage setup");
		close(fd);
		return;
	}
	if (check(OP_SEND, send(fd, "g", 1, MSG_NOSIGNAL), (const int[]){ 0 }, "garbage go")) {
		close(fd);
		return;
	}
	for (int i = 0; i < 4; i++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			count(OP_RECV, 0);
			failure("garbage flow %llu: recv returned %ld bytes of 'plaintext'",
				(unsigned long long)id, n);
			break;
		}
		if (check(OP_RECV, n, ok, "garbage") || n == 0)
			break;
	}
	close(fd);
}

static void scen_rectype(struct kt_rng *r)
{
	static const int none[] = { 0 };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	unsigned char data[512];
	struct iovec iov = { data, kt_below(r, sizeof(data)) + 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b };
	struct cmsghdr *cm;
	int fd, more = !kt_below(r, 4), shortlen = !kt_below(r, 8), want;
	uint64_t id;
	long n;

	fd = open_flow(M_SINK, 0, 1, &id);
	if (fd < 0)
		return;
	if (kt_ulp(fd) || kt_ktls(fd, TLS_TX, seed, id, 0, (int)kt_below(r, 2))) {
		check(OP_CONF, -1, none, "rectype setup");
		close(fd);
		return;
	}
	kt_stream(id, 0, data, sizeof(data));
	if (!kt_below(r, 6)) {
		/* Flags the TLS device path does not take. */
		n = send(fd, data, iov.iov_len, MSG_NOSIGNAL | MSG_OOB);
		want = n < 0 ? errno : 0;
		count(OP_OOB, want);
		if (want != EOPNOTSUPP && !net_gone(want))
			failure("send MSG_OOB on kTLS: %s", want ? strerror(want) : "success");
		close(fd);
		return;
	}
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_controllen = CMSG_SPACE(sizeof(unsigned char));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = shortlen ? CMSG_LEN(0) : CMSG_LEN(sizeof(unsigned char));
	*CMSG_DATA(cm) = (unsigned char)(kt_below(r, 2) ? 21 + kt_below(r, 3) : kt_next(r));
	n = sendmsg(fd, &msg, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	want = shortlen || more ? EINVAL : 0;
	count(OP_CMSG, n < 0 ? errno : 0);
	if ((n < 0 ? errno : 0) != want && !net_gone(errno))
		failure("sendmsg record type %u%s%s: got %s, want %s", *CMSG_DATA(cm),
			shortlen ? " short cmsg" : "", more ? " MSG_MORE" : "",
			n < 0 ? strerror(errno) : "success", want ? strerror(want) : "success");
	close(fd);
}

static void *worker(void *arg)
{
	struct kt_rng r = { kt_mix(seed * 1000003 + (uintptr_t)arg) };

	for (;;) {
		unsigned int s = (unsigned int)kt_below(&r, 100);
		double t = kt_now();

		if (t >= deadline &&
		    (t >= hard_deadline || __atomic_load_n(&flows_ok, __ATOMIC_RELAXED) >= min_flows))
			break;

		if (only) {
			static const char *const names[] = { "setsockopt", "verified", "abort",
							     "garbage", "rectype" };
			static const unsigned int at[] = { 0, 30, 60, 72, 86 };

			for (unsigned int i = 0; i < 5; i++)
				if (!strcmp(only, names[i]))
					s = at[i];
		}

		if (s < 30)
			scen_setsockopt(&r);
		else if (s < 60)
			scen_verified(&r);
		else if (s < 72)
			scen_abort(&r);
		else if (s < 86)
			scen_garbage(&r);
		else
			scen_rectype(&r);
	}
	return NULL;
}

static int make_file(void)
{
	char path[] = "/tmp/ktls-hostile-XXXXXX";
	unsigned char buf[CHUNK];
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	for (uint64_t off = 0; off < FILE_SIZE; off += sizeof(buf)) {
		kt_stream(FILE_STREAM, off, buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return -1;
	}
	return fd;
}

static int run_client(void)
{
	pthread_t t[16];
	unsigned long total = 0;

	file_fd = make_file();
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (file_fd < 0 || null_fd < 0) {
		perror("test file");
		return 2;
	}
	printf("ktls-hostile: seed %llu, %d s, %d workers%s\n", (unsigned long long)seed, secs,
	       nthreads, tolerant ? ", tolerant" : "");
	fflush(stdout);
	start = kt_now();
	deadline = start + secs;
	hard_deadline = start + (max_secs > secs ? max_secs : 6 * secs);
	for (intptr_t i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 2;
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	for (int op = 0; op < OP_NR; op++) {
		printf("%-18s", op_name[op]);
		for (int e = 0; e < 136; e++) {
			if (!tally[op][e])
				continue;
			total += tally[op][e];
			printf(" %s=%lu", e ? strerrorname_np(e) ? strerrorname_np(e) : "?" : "ok",
			       tally[op][e]);
		}
		putchar('\n');
	}
	printf("hostile seed=%llu ops=%lu verified_flows=%lu mismatches=%lu secs=%.1f\n",
	       (unsigned long long)seed, total, flows_ok, failures, kt_now() - start);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	int server;

	if (argc < 2)
		goto usage;
	server = !strcmp(argv[1], "server");
	if (!server && strcmp(argv[1], "client"))
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-p") && i + 1 < argc)
			port = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--secs") && i + 1 < argc)
			secs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--min-flows") && i + 1 < argc)
			min_flows = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--max-secs") && i + 1 < argc)
			max_secs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tolerant"))
			tolerant = 1;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!server && !host && argv[i][0] != '-')
			host = argv[i];
		else
			goto usage;
	}
	if (nthreads < 1 || nthreads > 16 || (!server && !host))
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	return server ? run_server() : run_client();
usage:
	fprintf(stderr, "usage: %s server -p PORT --seed S\n"
		"       %s client HOST -p PORT --seed S --secs T [--threads N] [--tolerant]\n"
		"                  [--min-flows F [--max-secs M]]\n"
		"                  [--only setsockopt|verified|abort|garbage|rectype]\n",
		argv[0], argv[0]);
	return 2;
}
