/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private header of ktls-hostile (hostile-*.c): the constants and the wire format shared by
 * client and server, the options and state of hostile-main.c, its errno bookkeeping, and the
 * functions that one file calls in another.
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "ktls-test.h"

#include <pthread.h>

#define MAGIC 0x544c5348u
#define FILE_SIZE (1u << 20)
#define FILE_STREAM 0xf11eULL
#define CHUNK 65536
/* Most bytes of a verified flow, and of a transfer that is cut off. */
#define VERIFY_MAX (128u << 10)
#define ABORT_LEN (256u << 10)

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

enum op {
	OP_ULP, OP_CONF, OP_BADPTR, OP_BADOPT, OP_SEND, OP_SENDFILE, OP_SPLICE, OP_MTHREAD,
	OP_RECV, OP_CMSG, OP_OOB, OP_ABORT, OP_CONNECT, OP_NR
};

/* hostile-main.c: options and state of the run. */
extern const char *host, *port;
extern uint64_t seed;
extern int tolerant;
extern int file_fd;
extern unsigned long flows_ok;

/* hostile-main.c: errno bookkeeping. */
extern const char *const op_name[OP_NR];
extern pthread_mutex_t out_lock;
void count(enum op op, int err);
void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int net_gone(int err);
int check(enum op op, long rc, const int *ok, const char *what);

/* hostile-server.c */
int run_server(void);

/* hostile-setsockopt.c */
void scen_setsockopt(struct kt_rng *r);

/* hostile-data.c */
extern int null_fd;
int open_flow(enum mode mode, int aes256, int writers, uint64_t *id);
int make_file(void);
void scen_verified(struct kt_rng *r);
void scen_abort(struct kt_rng *r);
void scen_garbage(struct kt_rng *r);
void scen_rectype(struct kt_rng *r);

#endif
