// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: what the Rust side cannot reach through bindgen, mostly
 * out-of-line copies of `static inline` kernel helpers, one file per subsystem
 * included here (as rust/helpers/helpers.c does), compiled as one object.
 * Besides one-line helpers it still holds a few C-only pieces: the module
 * parameters, the TX context lookup for an skb, a socket's flow key, the BPF
 * program run, the sysfs group, the ctr/ghash steps and the deferred work item.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tls.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/skbuff_ref.h>

#include "tlsnic_shim.h"

#include "params.c"
#include "netdev.c"
#include "skb.c"
#include "tls.c"
#include "crypto.c"
#include "bpf.c"
#include "debugfs.c"
#include "sysfs.c"
#include "workqueue.c"
