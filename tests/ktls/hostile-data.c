// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-hostile's flows and data scenarios: a connection with its header to the server, the
 * file the transfers send, verified flows (write, MSG_MORE, sendfile, splice, concurrent
 * writers), transfers cut off under the sender, garbage records and record types.
 */
#include "hostile.h"

#include <fcntl.h>
#include <sys/sendfile.h>

/* --- client: connections and the test file ----------------------------------------------- */

static unsigned long next_id;

int open_flow(enum mode mode, int aes256, int writers, uint64_t *id)
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

int make_file(void)
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

void scen_verified(struct kt_rng *r)
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

int null_fd = -1;

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

void scen_abort(struct kt_rng *r)
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

void scen_garbage(struct kt_rng *r)
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

void scen_rectype(struct kt_rng *r)
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
