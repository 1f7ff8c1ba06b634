/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsnic's tracepoints (trace system "tlsnic"): the life of each offloaded
 * flow and every time the device hands work back to software kTLS. What the
 * Rust side passes in is already free of secrets: addresses, ports, the
 * namespace cookie, the cipher and engine names, TCP sequence numbers and
 * counts. No key, salt, IV or record sequence number ever reaches an event.
 * Documentation/observability.rst describes each event. Fields have plain C
 * types (not u8, u16...), so that tools that compile the format files
 * without the kernel's BTF (bpftrace) know them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tlsnic

#if !defined(_TLSNIC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TLSNIC_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

#include "tlsnic_shim.h"

/* The identity of a flow every event starts with. */
#define TLSNIC_FLOW_FIELDS					\
	__string(dev, netdev_name(dev))				\
	__field(unsigned char, dir)				\
	__array(unsigned char, local, 16)			\
	__array(unsigned char, remote, 16)			\
	__field(unsigned short, lport)				\
	__field(unsigned short, rport)				\
	__field(unsigned long long, netns)

#define TLSNIC_FLOW_ASSIGN					\
	__assign_str(dev);					\
	__entry->dir = id->dir;					\
	memcpy(__entry->local, id->local, 16);			\
	memcpy(__entry->remote, id->remote, 16);		\
	__entry->lport = id->lport;				\
	__entry->rport = id->rport;				\
	__entry->netns = id->netns

#define TLSNIC_FLOW_FMT "dev=%s dir=%s local=%pI6c:%u remote=%pI6c:%u netns=%llu"
#define TLSNIC_FLOW_ARGS					\
	__get_str(dev), __entry->dir ? "rx" : "tx",		\
	__entry->local, __entry->lport,				\
	__entry->remote, __entry->rport, __entry->netns

TRACE_EVENT(tlsnic_flow_add,
	TP_PROTO(const struct net_device *dev,
		 const struct tlsnic_trace_flow *id,
		 const char *cipher, const char *engine, const char *policy),
	TP_ARGS(dev, id, cipher, engine, policy),
	TP_STRUCT__entry(
		TLSNIC_FLOW_FIELDS
		__string(cipher, cipher)
		__string(engine, engine)
		__string(policy, policy)
	),
	TP_fast_assign(
		TLSNIC_FLOW_ASSIGN;
		__assign_str(cipher);
		__assign_str(engine);
		__assign_str(policy);
	),
	TP_printk(TLSNIC_FLOW_FMT " cipher=%s engine=%s policy=%s",
		  TLSNIC_FLOW_ARGS, __get_str(cipher), __get_str(engine),
		  __get_str(policy))
);

TRACE_EVENT(tlsnic_flow_refused,
	TP_PROTO(const struct net_device *dev,
		 const struct tlsnic_trace_flow *id,
		 const char *cipher, const char *policy, const char *reason,
		 int err),
	TP_ARGS(dev, id, cipher, policy, reason, err),
	TP_STRUCT__entry(
		TLSNIC_FLOW_FIELDS
		__string(cipher, cipher)
		__string(policy, policy)
		__string(reason, reason)
		__field(int, err)
	),
	TP_fast_assign(
		TLSNIC_FLOW_ASSIGN;
		__assign_str(cipher);
		__assign_str(policy);
		__assign_str(reason);
		__entry->err = err;
	),
	TP_printk(TLSNIC_FLOW_FMT " cipher=%s policy=%s reason=%s err=%d",
		  TLSNIC_FLOW_ARGS, __get_str(cipher), __get_str(policy),
		  __get_str(reason), __entry->err)
);

TRACE_EVENT(tlsnic_flow_del,
	TP_PROTO(const struct net_device *dev,
		 const struct tlsnic_trace_flow *id,
		 u64 records, u64 bytes, u64 resyncs, u64 age_ms),
	TP_ARGS(dev, id, records, bytes, resyncs, age_ms),
	TP_STRUCT__entry(
		TLSNIC_FLOW_FIELDS
		__field(unsigned long long, records)
		__field(unsigned long long, bytes)
		__field(unsigned long long, resyncs)
		__field(unsigned long long, age_ms)
	),
	TP_fast_assign(
		TLSNIC_FLOW_ASSIGN;
		__entry->records = records;
		__entry->bytes = bytes;
		__entry->resyncs = resyncs;
		__entry->age_ms = age_ms;
	),
	TP_printk(TLSNIC_FLOW_FMT " records=%llu bytes=%llu resyncs=%llu age_ms=%llu",
		  TLSNIC_FLOW_ARGS, __entry->records, __entry->bytes,
		  __entry->resyncs, __entry->age_ms)
);

/* A flow's event at one TCP sequence number, with a reason. */
DECLARE_EVENT_CLASS(tlsnic_flow_seq,
	TP_PROTO(const struct net_device *dev,
		 const struct tlsnic_trace_flow *id,
		 const char *reason, u32 seq, u32 len),
	TP_ARGS(dev, id, reason, seq, len),
	TP_STRUCT__entry(
		TLSNIC_FLOW_FIELDS
		__string(reason, reason)
		__field(unsigned int, seq)
		__field(unsigned int, len)
	),
	TP_fast_assign(
		TLSNIC_FLOW_ASSIGN;
		__assign_str(reason);
		__entry->seq = seq;
		__entry->len = len;
	),
	TP_printk(TLSNIC_FLOW_FMT " reason=%s seq=%u len=%u",
		  TLSNIC_FLOW_ARGS, __get_str(reason), __entry->seq,
		  __entry->len)
);

/* The events of class tlsnic_flow_seq differ only in their names. */
#define TLSNIC_SEQ_EVENT(name)						\
	DEFINE_EVENT(tlsnic_flow_seq, name,				\
		TP_PROTO(const struct net_device *dev,			\
			 const struct tlsnic_trace_flow *id,		\
			 const char *reason, u32 seq, u32 len),		\
		TP_ARGS(dev, id, reason, seq, len))

/* The core asked the device to resynchronise at seq (reason: "next-hint", "tx"). */
TLSNIC_SEQ_EVENT(tlsnic_resync_request);

/*
 * The device, out of sync, reached the core's hint in the segment at seq and
 * takes the stream up again (the record there is checked before the device
 * decrypts for the socket again).
 */
TLSNIC_SEQ_EVENT(tlsnic_resync_done);

/* A transmitted segment of an offloaded flow was dropped (never sent in clear). */
TLSNIC_SEQ_EVENT(tlsnic_record_drop);

/* A received segment of an offloaded flow went up as it arrived: kTLS decrypts it in software. */
TLSNIC_SEQ_EVENT(tlsnic_fallback);

/* The flow's crypto engine failed count operations (injected faults included). */
TRACE_EVENT(tlsnic_engine_fault,
	TP_PROTO(const struct net_device *dev,
		 const struct tlsnic_trace_flow *id,
		 const char *engine, u32 count),
	TP_ARGS(dev, id, engine, count),
	TP_STRUCT__entry(
		TLSNIC_FLOW_FIELDS
		__string(engine, engine)
		__field(unsigned int, count)
	),
	TP_fast_assign(
		TLSNIC_FLOW_ASSIGN;
		__assign_str(engine);
		__entry->count = count;
	),
	TP_printk(TLSNIC_FLOW_FMT " engine=%s count=%u",
		  TLSNIC_FLOW_ARGS, __get_str(engine), __entry->count)
);

#endif /* _TLSNIC_TRACE_H */

/* Outside the include guard: define_trace.h reads this header again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tlsnic_trace
#include <trace/define_trace.h>
