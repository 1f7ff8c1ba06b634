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
 *
 * Files: hostile-main.c (this one: options, errno bookkeeping, the workers), hostile-server.c
 * (the server), hostile-setsockopt.c (the setsockopt scenario and its model of the kernel),
 * hostile-data.c (the flows and the other scenarios), hostile.h (what they share).
 */
#include "hostile.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>

/* Options and state that the other files share (hostile.h). */
const char *host, *port = "4433";
uint64_t seed = 1;
int tolerant;
int file_fd = -1;
unsigned long flows_ok;

static int secs = 30, nthreads = 3, max_secs;
static unsigned long min_flows;
static const char *only;
static double start, deadline, hard_deadline;
static unsigned long failures;

/* --- errno bookkeeping ------------------------------------------------------------------- */

const char *const op_name[OP_NR] = {
	"ulp", "setsockopt-conf", "setsockopt-badptr", "setsockopt-badopt", "send", "sendfile",
	"splice", "send-threads", "recv", "sendmsg-rectype", "send-oob", "abort", "connect",
};
static unsigned long tally[OP_NR][136];
pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void count(enum op op, int err)
{
	__atomic_fetch_add(&tally[op][err >= 0 && err < 136 ? err : 135], 1, __ATOMIC_RELAXED);
}

void failure(const char *fmt, ...)
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
int net_gone(int err)
{
	return tolerant && (err == EPIPE || err == ECONNRESET || err == ETIMEDOUT ||
			    err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED ||
			    err == ENOTCONN || err == EAGAIN || err == ENETDOWN || err == ENODEV);
}

/* Check the result of one call: 0 or an errno in the zero-terminated list @ok. */
int check(enum op op, long rc, const int *ok, const char *what)
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

/* --- client: the workers and the report -------------------------------------------------- */

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
