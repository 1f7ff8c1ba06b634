// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: tlsnic's tracepoints. TRACE_EVENT() generates static
 * inline trace_*() functions, which Rust cannot call; each helper here is
 * one of them out of line. Included last by tlsnic_shim.c: the tracepoint
 * machinery redefines macros other headers use.
 */
#define CREATE_TRACE_POINTS
#include "tlsnic_trace.h"

void tlsnic_trace_flow_add(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   const char *cipher, const char *engine, const char *policy)
{
	trace_tlsnic_flow_add(dev, id, cipher, engine, policy);
}

void tlsnic_trace_flow_refused(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			       const char *cipher, const char *policy, const char *reason,
			       int err)
{
	trace_tlsnic_flow_refused(dev, id, cipher, policy, reason, err);
}

void tlsnic_trace_flow_del(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   u64 records, u64 bytes, u64 resyncs, u64 age_ms)
{
	trace_tlsnic_flow_del(dev, id, records, bytes, resyncs, age_ms);
}

void tlsnic_trace_resync_request(const struct net_device *dev,
				 const struct tlsnic_trace_flow *id, const char *reason,
				 u32 seq, u32 len)
{
	trace_tlsnic_resync_request(dev, id, reason, seq, len);
}

void tlsnic_trace_resync_done(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			      const char *reason, u32 seq, u32 len)
{
	trace_tlsnic_resync_done(dev, id, reason, seq, len);
}

void tlsnic_trace_record_drop(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			      const char *reason, u32 seq, u32 len)
{
	trace_tlsnic_record_drop(dev, id, reason, seq, len);
}

void tlsnic_trace_fallback(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   const char *reason, u32 seq, u32 len)
{
	trace_tlsnic_fallback(dev, id, reason, seq, len);
}

void tlsnic_trace_engine_fault(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			       const char *engine, u32 count)
{
	trace_tlsnic_engine_fault(dev, id, engine, count);
}
