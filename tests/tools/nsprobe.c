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
 *   nsprobe keyscan [NS...]             search what an observer of tlsnic can read for test key
 *                                       material (tests/guest/lib.sh key_leak_check): the
 *                                       kernel log (as dmesg shows it), every file under
 *                                       /sys/kernel/debug/tlsnic, the trace buffer, and in its
 *                                       own namespace and each NS that exists, every tlsnic
 *                                       device's attributes (/sys/class/net/DEV/tlsnic/) and
 *                                       `ethtool -S` names and values. A hit is KT_KEY_MARK
 *                                       (tests/ktls/ktls-test.h) as raw bytes, as hex in either
 *                                       case with at most one separator (not a letter or digit)
 *                                       between bytes, or as its first four bytes read as a
 *                                       little-endian 32-bit word in hex (1c5a157e). Prints the
 *                                       number of bytes searched and exits 0, or prints the
 *                                       lines with hits (5 at most) and exits 1.
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
#include <ctype.h>
#include <dirent.h>
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

#include "../ktls/ktls-test.h"

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

/*
 * Every `ethtool -S @dev` statistic of the current namespace: names in (*strs)->data (each
 * ETH_GSTRING_LEN bytes), values in (*stats)->data. Returns their number, or -1; the caller
 * frees both (also on -1).
 */
static int eth_stats(const char *dev, struct ethtool_gstrings **strs, struct ethtool_stats **stats)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_STATS } };
	__u32 n;

	*strs = NULL;
	*stats = NULL;
	if (ethtool(dev, &info) || !(info.hdr.sset_mask & (1ULL << ETH_SS_STATS)))
		return -1;
	n = info.len;
	*strs = calloc(1, sizeof(**strs) + (size_t)n * ETH_GSTRING_LEN);
	*stats = calloc(1, sizeof(**stats) + (size_t)n * sizeof(__u64));
	if (!*strs || !*stats)
		return -1;
	(*strs)->cmd = ETHTOOL_GSTRINGS;
	(*strs)->string_set = ETH_SS_STATS;
	(*strs)->len = n;
	(*stats)->cmd = ETHTOOL_GSTATS;
	(*stats)->n_stats = n;
	if (ethtool(dev, *strs) || ethtool(dev, *stats))
		return -1;
	if ((*strs)->len < n)
		n = (*strs)->len;
	if ((*stats)->n_stats < n)
		n = (*stats)->n_stats;
	return n;
}

/* `ethtool -S @dev` statistic @name; 0 if found. */
static int eth_stat(const char *dev, const char *name, long long *val)
{
	struct ethtool_gstrings *strs;
	struct ethtool_stats *stats;
	int i, n = eth_stats(dev, &strs, &stats), rc = -1;

	for (i = 0; i < n; i++)
		if (!strncmp((char *)strs->data + i * ETH_GSTRING_LEN, name, ETH_GSTRING_LEN)) {
			*val = (long long)stats->data[i];
			rc = 0;
			break;
		}
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

static int hexval(char c)
{
	c = tolower((unsigned char)c);
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* What keyscan searches, gathered in one growing buffer. */
static struct {
	char *buf;
	size_t len, cap;
} scan;

static void scan_add(const char *data, size_t len)
{
	if (scan.len + len + 1 > scan.cap) {
		size_t cap = scan.cap ? scan.cap : 1 << 20;

		while (scan.len + len + 1 > cap)
			cap *= 2;
		scan.buf = realloc(scan.buf, cap);
		if (!scan.buf)
			die("keyscan: out of memory");
		scan.cap = cap;
	}
	memcpy(scan.buf + scan.len, data, len);
	scan.len += len;
	scan.buf[scan.len] = 0;
}

/*
 * Adds what @fd reads until its end, and closes it. Reads in pieces of a page at least, as a
 * seq_file wants; a non-blocking /dev/kmsg ends with EAGAIN (EPIPE: records overwritten).
 */
static void scan_fd(int fd)
{
	char chunk[1 << 16];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EPIPE))
		if (n > 0)
			scan_add(chunk, n);
	scan_add("\n", 1);
	close(fd);
}

/*
 * Adds the kernel log as dmesg shows it: the records since it was last cleared (SEEK_DATA),
 * with the bytes /dev/kmsg escapes as \xHH (unprintable ones) decoded again.
 */
static void scan_kmsg(void)
{
	char rec[8192], out[8192];
	size_t i, o;
	ssize_t n;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die("keyscan: cannot open /dev/kmsg: %s", strerror(errno));
	lseek(fd, 0, SEEK_DATA);
	while ((n = read(fd, rec, sizeof(rec))) > 0 || (n < 0 && errno == EPIPE)) {
		for (i = o = 0; i < (size_t)(n > 0 ? n : 0); o++) {
			if (rec[i] == '\\' && i + 3 < (size_t)n && rec[i + 1] == 'x' &&
			    hexval(rec[i + 2]) >= 0 && hexval(rec[i + 3]) >= 0) {
				out[o] = hexval(rec[i + 2]) << 4 | hexval(rec[i + 3]);
				i += 4;
			} else {
				out[o] = rec[i++];
			}
		}
		scan_add(out, o);
	}
	close(fd);
}

/* Adds what @path reads (nothing if it cannot be read: a write-only knob). */
static void scan_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		scan_fd(fd);
}

/* Adds every regular file under directory @dir, subdirectories included. */
static void scan_tree(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			scan_tree(path);
		else if (e->d_type == DT_REG)
			scan_file(path);
	}
	closedir(d);
}

/* Adds `ethtool -S @dev` of the current namespace: names and values. */
static void scan_eth_stats(const char *dev)
{
	struct ethtool_gstrings *strs;
	struct ethtool_stats *stats;
	char line[ETH_GSTRING_LEN + 32];
	int i, n = eth_stats(dev, &strs, &stats);

	for (i = 0; i < n; i++)
		scan_add(line, snprintf(line, sizeof(line), "%.*s: %llu\n", ETH_GSTRING_LEN,
					(char *)strs->data + i * ETH_GSTRING_LEN,
					(unsigned long long)stats->data[i]));
	free(strs);
	free(stats);
}

/* Adds the attributes and statistics of every tlsnic device /sys shows. */
static void scan_devices(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir("/sys/class/net");

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/tlsnic", e->d_name);
		if (access(path, F_OK))
			continue;
		scan_tree(path);
		scan_eth_stats(e->d_name);
	}
	closedir(d);
}

/*
 * Length of the hex spelling of @n bytes of @want at @p (at most one separator, not a letter
 * or digit, between two bytes), or 0 if there is none.
 */
static size_t hex_at(const char *p, const char *end, const unsigned char *want, size_t n)
{
	const char *q = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i && q < end && !isalnum((unsigned char)*q))
			q++;
		if (end - q < 2 || hexval(q[0]) != want[i] >> 4 || hexval(q[1]) != (want[i] & 15))
			return 0;
		q += 2;
	}
	return q - p;
}

static int cmd_keyscan(int argc, char **argv)
{
	/* The mark's first four bytes as a little-endian 32-bit word, printed in hex. */
	const unsigned char word[4] = { KT_KEY_MARK[3], KT_KEY_MARK[2], KT_KEY_MARK[1],
					KT_KEY_MARK[0] };
	char path[PATH_MAX];
	const char *p, *end;
	int i, hits = 0;

	/* What /sys shows in nsprobe's own namespace first: each namespace below gets a /sys
	 * of its own, without debugfs and tracefs under it. */
	scan_kmsg();
	scan_tree("/sys/kernel/debug/tlsnic");
	scan_file("/sys/kernel/tracing/trace");
	scan_devices();
	for (i = 0; i < argc; i++) {
		snprintf(path, sizeof(path), "/run/netns/%s", argv[i]);
		if (!*argv[i] || access(path, F_OK))
			continue;
		enter_netns_sysfs(argv[i]);
		scan_devices();
	}
	if (!scan.len)
		die("keyscan: nothing to search");
	end = scan.buf + scan.len;
	for (p = scan.buf; p < end && hits < 5; p++) {
		const char *b, *e;

		if (!((size_t)(end - p) >= sizeof(KT_KEY_MARK) &&
		      !memcmp(p, KT_KEY_MARK, sizeof(KT_KEY_MARK))) &&
		    !hex_at(p, end, KT_KEY_MARK, sizeof(KT_KEY_MARK)) &&
		    !(hex_at(p, end, word, sizeof(word)) == 2 * sizeof(word)))
			continue;
		for (b = p; b > scan.buf && b[-1] != '\n'; b--)
			;
		for (e = p; e < end && *e != '\n'; e++)
			;
		printf("key material at byte %zu: %.*s\n", (size_t)(p - scan.buf),
		       (int)(e - b > 200 ? 200 : e - b), b);
		hits++;
		p = e;
	}
	if (hits)
		return 1;
	printf("%zu\n", scan.len);
	return 0;
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
	if (argc >= 2 && !strcmp(argv[1], "keyscan"))
		return cmd_keyscan(argc - 2, argv + 2);
	die("usage: nsprobe get KEY... | wait [-a] [-t SECS] [-p PID] COND... | write [-n NS] PATH TEXT | cmp FILE SKIP REF | keyscan [NS...] | exec NS CMD [ARG...]");
}
