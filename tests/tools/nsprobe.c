// SPDX-License-Identifier: GPL-2.0
/*
 * nsprobe: read and wait on what the guest tests look at (kTLS counters, ethtool statistics,
 * carrier, TCP listeners) in any network namespace, from one process.
 *
 * Each process the emulated guest starts costs a few hundred milliseconds, and a counter read
 * through `ip netns exec NS ethtool -S DEV | awk` takes three. nsprobe switches namespaces
 * itself (setns), reads /proc/net/tls_stat, asks the device for its statistics by the ethtool
 * ioctl and polls in-process, so a wait is one process however long it lasts.
 *
 *   nsprobe get KEY...                  print each KEY's value, one per line
 *   nsprobe wait [-a] [-t SECS] [-p PID] COND...
 *                                       wait until every COND holds (-a: any of them) and exit
 *                                       0; on timeout print the values and exit 1. -p PID: also
 *                                       stop (exit 0) once PID has exited. Default timeout 20 s,
 *                                       polled every 50 ms.
 *   nsprobe write [-n NS] PATH TEXT     one write(2) of TEXT to PATH, with /sys as NS sees it;
 *                                       on failure print strerror(errno) and exit 1
 *   nsprobe cmp FILE SKIP REF           exit 0 if FILE, from byte SKIP on, holds exactly REF's
 *                                       bytes (same length); else print where they differ and
 *                                       exit 1 (offsets counted from SKIP). What
 *                                       `tail -c +$((SKIP + 1)) FILE | sha256sum` against
 *                                       `sha256sum REF` checks, in one process.
 *   nsprobe exec NS CMD [ARG...]        run CMD in NS with /sys as NS sees it, as `ip netns exec
 *                                       NS` does (without its /etc/netns/NS bind mounts): one
 *                                       static process instead of iproute2's, which costs the
 *                                       emulated debug guest 0.3 s more to start. Exit status
 *                                       CMD's, or 127 if it cannot be run.
 *
 * KEY, where NS is a name under /run/netns or empty for the namespace nsprobe runs in:
 *   NS:NAME            a counter of /proc/net/tls_stat (TlsTxDevice, ...)
 *   NS:DEV:NAME        an `ethtool -S DEV` statistic (tx_tls_ctx, ...)
 *   NS:DEV:exists      1 if NS has a device named DEV, else 0
 *   NS:DEV:carrier     1 if DEV has carrier, else 0
 *   NS:DEV:if.NAME     DEV's interface statistic NAME of /proc/net/dev: rx_bytes, rx_packets,
 *                      tx_bytes or tx_packets (what /sys/class/net/DEV/statistics/ shows)
 *   NS:listen:PORT     1 if a TCP socket (IPv4 or IPv6) listens on PORT, else 0
 * A key that does not exist reads as "missing" (get) or fails the condition (wait).
 * COND is KEY OP NUMBER with OP one of = != >= <= > <, in one argument: 'a:tlsnic0:x>=4'.
 *
 * Exit status 2 on a usage error or an unreadable namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "nsprobe: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int home_netns = -1;	/* the namespace nsprobe started in */

/* Enter network namespace @ns ("" is the one nsprobe started in). */
static void enter_netns(const char *ns)
{
	static char cur[NAME_MAX + 1];
	char path[PATH_MAX];
	int fd;

	if (!strcmp(cur, ns))
		return;
	if (*ns) {
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		fd = dup(home_netns);
	}
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die("cannot enter network namespace '%s'", ns);
	close(fd);
	snprintf(cur, sizeof(cur), "%s", ns);
}

/* /proc/net/tls_stat counter @name; 0 if found. */
static int tls_stat(const char *name, long long *val)
{
	char line[256], key[128];
	long long v;
	FILE *f = fopen("/proc/thread-self/net/tls_stat", "re");
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", key, &v) == 2 && !strcmp(key, name)) {
			*val = v;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

static int ethtool(const char *dev, void *cmd)
{
	struct ifreq ifr = { 0 };
	int fd, rc;

	if (strlen(dev) >= IFNAMSIZ)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, dev);
	ifr.ifr_data = cmd;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return rc;
}

/* `ethtool -S @dev` statistic @name; 0 if found. */
static int eth_stat(const char *dev, const char *name, long long *val)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_STATS } };
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_stats *stats = NULL;
	int rc = -1;
	__u32 n, i;

	if (ethtool(dev, &info) || !(info.hdr.sset_mask & (1ULL << ETH_SS_STATS)))
		return -1;
	n = info.len;
	strs = calloc(1, sizeof(*strs) + (size_t)n * ETH_GSTRING_LEN);
	stats = calloc(1, sizeof(*stats) + (size_t)n * sizeof(__u64));
	if (!strs || !stats)
		goto out;
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_STATS;
	strs->len = n;
	stats->cmd = ETHTOOL_GSTATS;
	stats->n_stats = n;
	if (ethtool(dev, strs) || ethtool(dev, stats))
		goto out;
	for (i = 0; i < n && i < strs->len && i < stats->n_stats; i++)
		if (!strncmp((char *)strs->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN)) {
			*val = (long long)stats->data[i];
			rc = 0;
			break;
		}
out:
	free(strs);
	free(stats);
	return rc;
}

static int carrier(const char *dev, long long *val)
{
	struct ethtool_value link = { .cmd = ETHTOOL_GLINK };

	if (ethtool(dev, &link))
		return -1;
	*val = !!link.data;
	return 0;
}

/* Interface statistic @name (rx_bytes, rx_packets, tx_bytes, tx_packets) of /proc/net/dev. */
static int if_stat(const char *dev, const char *name, long long *val)
{
	static const char *const names[] = { "rx_bytes", "rx_packets", "tx_bytes", "tx_packets" };
	/* Their columns after "DEV:": rx bytes packets errs drop fifo frame compressed multicast,
	 * then tx bytes packets ... */
	static const int cols[] = { 0, 1, 8, 9 };
	char line[512], *p;
	long long v[10];
	size_t i, len = strlen(dev);
	int col = -1, rc = -1;
	FILE *f;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			col = cols[i];
	f = col < 0 ? NULL : fopen("/proc/thread-self/net/dev", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' '; p++)
			;
		if (strncmp(p, dev, len) || p[len] != ':')
			continue;
		if (sscanf(p + len + 1, "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) == 10) {
			*val = v[col];
			rc = 0;
		}
		break;
	}
	fclose(f);
	return rc;
}

/* 1 if a TCP socket listens on @port in /proc/net/tcp or tcp6. */
static int listening(const char *port, long long *val)
{
	static const char *const files[] = { "/proc/thread-self/net/tcp",
					     "/proc/thread-self/net/tcp6" };
	char line[512], *end;
	unsigned int lport, state;
	unsigned long p = strtoul(port, &end, 10);
	size_t i;

	if (*end || !*port || p > 65535)
		return -1;
	*val = 0;
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !*val; i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, " %*s %*[0-9A-Fa-f]:%x %*s %x", &lport, &state) == 2 &&
			    lport == p && state == 0x0a) {
				*val = 1;
				break;
			}
		fclose(f);
	}
	return 0;
}

/* The value of KEY (see the header); 0 if it exists. */
static int key_value(const char *key, long long *val)
{
	char buf[256], *ns = buf, *a, *b;

	if (snprintf(buf, sizeof(buf), "%s", key) >= (int)sizeof(buf))
		return -1;
	a = strchr(buf, ':');
	if (!a)
		die("key '%s' has no namespace part (NS:...)", key);
	*a++ = '\0';
	enter_netns(ns);
	b = strchr(a, ':');
	if (!b)
		return tls_stat(a, val);
	*b++ = '\0';
	if (!strcmp(a, "listen"))
		return listening(b, val);
	if (!strcmp(b, "exists")) {
		*val = if_nametoindex(a) != 0;
		return 0;
	}
	if (!strcmp(b, "carrier"))
		return carrier(a, val);
	if (!strncmp(b, "if.", 3))
		return if_stat(a, b + 3, val);
	return eth_stat(a, b, val);
}

enum op { EQ, NE, GE, LE, GT, LT };

struct cond {
	char key[256];
	enum op op;
	long long want;
};

static void parse_cond(const char *s, struct cond *c)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = { { "!=", NE }, { ">=", GE }, { "<=", LE }, { "=", EQ }, { ">", GT }, { "<", LT } };
	const char *p, *best = NULL;
	size_t i, len = 0;
	char *end;

	/* The operator is the first of its characters after the key. */
	p = strpbrk(s, "!=<>");
	if (!p)
		die("condition '%s' has no operator", s);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(p, ops[i].text, strlen(ops[i].text))) {
			best = ops[i].text;
			len = strlen(best);
			c->op = ops[i].op;
			break;
		}
	if (!best || (size_t)(p - s) >= sizeof(c->key) || p == s)
		die("bad condition '%s'", s);
	memcpy(c->key, s, p - s);
	c->key[p - s] = '\0';
	errno = 0;
	c->want = strtoll(p + len, &end, 0);
	if (errno || *end || end == p + len)
		die("bad number in condition '%s'", s);
}

static int holds(const struct cond *c, long long *have)
{
	if (key_value(c->key, have))
		return 0;
	switch (c->op) {
	case EQ: return *have == c->want;
	case NE: return *have != c->want;
	case GE: return *have >= c->want;
	case LE: return *have <= c->want;
	case GT: return *have > c->want;
	case LT: return *have < c->want;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_get(int argc, char **argv)
{
	long long v;
	int i;

	for (i = 0; i < argc; i++) {
		if (key_value(argv[i], &v))
			puts("missing");
		else
			printf("%lld\n", v);
	}
	return 0;
}

static int cmd_wait(int argc, char **argv)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	double limit = 20, start = now();
	struct cond *conds;
	long long have;
	pid_t pid = 0;
	int opt, i, n, ok, any = 0;

	while ((opt = getopt(argc, argv, "+at:p:")) != -1) {
		switch (opt) {
		case 'a': any = 1; break;
		case 't': limit = atof(optarg); break;
		case 'p': pid = atoi(optarg); break;
		default: die("usage: nsprobe wait [-a] [-t SECS] [-p PID] COND...");
		}
	}
	n = argc - optind;
	if (n <= 0)
		die("wait: no condition");
	conds = calloc(n, sizeof(*conds));
	if (!conds)
		die("out of memory");
	for (i = 0; i < n; i++)
		parse_cond(argv[optind + i], &conds[i]);
	for (;;) {
		for (ok = !any, i = 0; i < n && ok != any; i++)
			ok = holds(&conds[i], &have);
		if (ok)
			return 0;
		if (pid > 0 && kill(pid, 0) && errno == ESRCH)
			return 0;
		if (now() - start >= limit)
			break;
		nanosleep(&nap, NULL);
	}
	fprintf(stderr, "nsprobe: timed out after %.1f s:", now() - start);
	for (i = 0; i < n; i++) {
		if (key_value(conds[i].key, &have))
			fprintf(stderr, " %s=missing", conds[i].key);
		else
			fprintf(stderr, " %s=%lld", conds[i].key, have);
	}
	fputc('\n', stderr);
	return 1;
}

/*
 * Enter @ns with /sys as it sees it. /sys shows the network devices of the namespace that
 * mounted it: like `ip netns exec`, mount a fresh sysfs in a private mount namespace.
 */
static void enter_netns_sysfs(const char *ns)
{
	enter_netns(ns);
	if (unshare(CLONE_NEWNS) || mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) ||
	    umount2("/sys", MNT_DETACH) || mount(ns, "/sys", "sysfs", 0, NULL))
		die("cannot mount /sys for namespace '%s'", ns);
}

static int cmd_exec(int argc, char **argv)
{
	if (argc < 2 || !*argv[0])
		die("usage: nsprobe exec NS CMD [ARG...]");
	enter_netns_sysfs(argv[0]);
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nsprobe: cannot run %s: %s\n", argv[1], strerror(errno));
	return 127;
}

static int cmd_write(int argc, char **argv)
{
	const char *ns = NULL;
	ssize_t len;
	int opt, fd;

	while ((opt = getopt(argc, argv, "+n:")) != -1) {
		if (opt != 'n')
			die("usage: nsprobe write [-n NS] PATH TEXT");
		ns = optarg;
	}
	if (argc - optind != 2)
		die("usage: nsprobe write [-n NS] PATH TEXT");
	if (ns && *ns)
		enter_netns_sysfs(ns);
	fd = open(argv[optind], O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	len = strlen(argv[optind + 1]);
	if (write(fd, argv[optind + 1], len) != len) {
		printf("%s\n", strerror(errno));
		close(fd);
		return 1;
	}
	if (close(fd)) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* Reads up to @len bytes (fewer only at the end of the file); dies on an error. */
static size_t read_full(int fd, char *buf, size_t len, const char *name)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0)
			die("cmp: cannot read %s: %s", name, strerror(errno));
		if (!n)
			break;
		got += n;
	}
	return got;
}

static int cmd_cmp(int argc, char **argv)
{
	static char a[1 << 16], b[1 << 16];
	unsigned long long skip, off = 0;
	size_t na, nb, i;
	char *end;
	int fa, fb;

	if (argc != 3)
		die("usage: nsprobe cmp FILE SKIP REF");
	skip = strtoull(argv[1], &end, 10);
	if (*end || !*argv[1])
		die("cmp: bad SKIP '%s'", argv[1]);
	fa = open(argv[0], O_RDONLY | O_CLOEXEC);
	fb = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fb < 0)
		die("cmp: cannot open %s: %s", fa < 0 ? argv[0] : argv[2], strerror(errno));
	if (lseek(fa, skip, SEEK_SET) < 0)
		die("cmp: cannot seek %s: %s", argv[0], strerror(errno));
	for (;;) {
		nb = read_full(fb, b, sizeof(b), argv[2]);
		/* At the end of REF, one byte more of FILE tells whether FILE is longer. */
		na = read_full(fa, a, nb ? nb : 1, argv[0]);
		if (!nb) {
			if (!na)
				return 0;
			printf("%s is longer than %s: byte %llu is extra\n", argv[0], argv[2], off);
			return 1;
		}
		for (i = 0; i < na && a[i] == b[i]; i++)
			;
		if (i < nb) {
			if (i == na)
				printf("%s ends after %llu bytes of %s\n", argv[0], off + i, argv[2]);
			else
				printf("%s differs from %s at byte %llu\n", argv[0], argv[2], off + i);
			return 1;
		}
		off += nb;
	}
}

int main(int argc, char **argv)
{
	home_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home_netns < 0)
		die("cannot open /proc/self/ns/net: %s", strerror(errno));
	if (argc >= 2 && !strcmp(argv[1], "get"))
		return cmd_get(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "wait"))
		return cmd_wait(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "write"))
		return cmd_write(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "exec"))
		return cmd_exec(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "cmp"))
		return cmd_cmp(argc - 2, argv + 2);
	die("usage: nsprobe get KEY... | wait [-a] [-t SECS] [-p PID] COND... | write [-n NS] PATH TEXT | cmp FILE SKIP REF | exec NS CMD [ARG...]");
}
