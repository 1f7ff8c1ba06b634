// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: what the Rust side cannot reach through bindgen, one-line
 * out-of-line copies of `static inline` kernel helpers and macros, one file
 * per subsystem included here (as rust/helpers/helpers.c does), compiled as
 * one object. The module parameters are declared here too.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/internal/simd.h>
#include <asm/simd.h>
#include <crypto/skcipher.h>
#include <linux/bpf.h>
#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/highmem.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/skbuff_ref.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>
#include <net/xdp.h>
#include <trace/events/xdp.h>

#include "tlsnic_shim.h"

#include "params.c"
#include "netdev.c"
#include "skb.c"
#include "sock.c"
#include "tls.c"
#include "crypto.c"
#include "bpf.c"
#include "trace.c"
#include "xdp.c"
