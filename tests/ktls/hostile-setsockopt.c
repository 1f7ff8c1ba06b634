// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-hostile's setsockopt scenario: random and hostile TCP_ULP and SOL_TLS calls on one
 * socket, each result compared with a model of net/tls/tls_main.c and net/ipv4/tcp_ulp.c.
 */
#include "hostile.h"

/* Cipher numbers of linux/tls.h, also where the installed header is older than 6.12. */
#define C_AES_GCM_128 51
#define C_AES_GCM_256 52
#define C_AES_CCM_128 53
#define C_CHACHA20_POLY1305 54
#define C_SM4_GCM 55
#define C_SM4_CCM 56
#define C_ARIA_GCM_128 57
#define C_ARIA_GCM_256 58

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
	/*
	 * AES-CCM, SM4 and ARIA are not in the test kernel (qemu/kconfig: only GCM and
	 * ChaCha20-Poly1305): the software setup cannot get the cipher.
	 */
	if (cipher == C_AES_CCM_128 || cipher == C_SM4_GCM || cipher == C_SM4_CCM ||
	    cipher == C_ARIA_GCM_128 || cipher == C_ARIA_GCM_256)
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

void scen_setsockopt(struct kt_rng *r)
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
