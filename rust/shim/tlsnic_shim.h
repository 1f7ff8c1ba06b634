/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsnic C shim: prototypes of the helpers in the files tlsnic_shim.c
 * includes, one per subsystem.
 *
 * The Rust side of tlsnic cannot call `static inline` kernel functions or
 * macros, nor read bit-fields and some unions reliably; each helper here is a
 * one-line, non-inline copy of one of them (as rust/helpers/ does for the
 * kernel crate), taking what it needs (allocation flags included) from its
 * caller. All logic is in Rust, under rust/tlsnic/kernel/. Two helpers need
 * a little more C than one line: the socket's IPv6 addresses exist only with
 * CONFIG_IPV6, and spin_lock_irqsave() needs a variable for its flags.
 * (skb->decrypted exists with CONFIG_SKB_DECRYPTED, which CONFIG_TLS_DEVICE,
 * without which there is no tlsdev_ops, selects.)
 */
#ifndef TLSNIC_SHIM_H
#define TLSNIC_SHIM_H

#include <linux/types.h>

struct aead_request;
struct bpf_prog;
struct bpf_run_ctx;
struct crypto_aead;
struct crypto_shash;
struct crypto_sync_skcipher;
struct in6_addr;
struct net;
struct __call_single_data;
struct napi_struct;
struct net_device;
struct page;
struct scatterlist;
struct shash_desc;
struct sk_buff;
struct skb_frag;
struct skcipher_request;
struct sock;
struct spinlock;
struct tls_context;
struct tls_offload_context_tx;
struct tls_offload_resync_async;
struct work_struct;
struct xdp_buff;
struct xdp_frame;
struct xdp_rxq_info;
struct bpf_net_context;

/*
 * trace.c: tlsnic's tracepoints (tlsnic_trace.h). Every event starts with
 * the flow it concerns: direction (0 transmit, 1 receive), local and remote
 * address (IPv4 IPv4-mapped) and port (host order), namespace cookie.
 */
struct tlsnic_trace_flow {
	u8 local[16];
	u8 remote[16];
	u64 netns;
	u16 lport;
	u16 rport;
	u8 dir;
};

/* params.c: module parameters (the module! macro of 6.12 cannot declare them). */
extern unsigned int tlsnic_param_pairs;
extern char *tlsnic_param_engine;
extern char *tlsnic_param_resync;
extern char *tlsnic_param_tx_resync;
extern unsigned int tlsnic_param_key_contexts;

/*
 * netdev.c: net devices, NAPI, RCU, RTNL, bottom-half spinlocks, work items,
 * CPUs, cross-CPU calls.
 */
void *tlsnic_netdev_priv(const struct net_device *dev);
bool tlsnic_netif_running(const struct net_device *dev);
struct net *tlsnic_dev_net(const struct net_device *dev);
void tlsnic_eth_hw_addr_random(struct net_device *dev);
void tlsnic_tstats_tx_add(struct net_device *dev, unsigned int len);
void tlsnic_tstats_rx_add(struct net_device *dev, unsigned int len);
void tlsnic_stats_tx_dropped_inc(struct net_device *dev);
void tlsnic_netif_napi_add(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *napi, int budget));
void tlsnic_netif_napi_del(struct napi_struct *napi);
void tlsnic_init_csd(struct __call_single_data *csd, void (*fn)(void *info), void *info);
void tlsnic_rcu_read_lock(void);
void tlsnic_rcu_read_unlock(void);
void tlsnic_rcu_read_lock_bh(void);
void tlsnic_rcu_read_unlock_bh(void);
void tlsnic_spin_lock_bh(struct spinlock *lock);
void tlsnic_spin_unlock_bh(struct spinlock *lock);
void tlsnic_init_work(struct work_struct *work, void (*fn)(struct work_struct *work));
bool tlsnic_queue_work(struct work_struct *work, bool highpri);
bool tlsnic_queue_work_on(unsigned int cpu, struct work_struct *work, bool highpri);
unsigned int tlsnic_this_cpu(void);
bool tlsnic_cpu_online(unsigned int cpu);
void tlsnic_memzero_explicit(void *p, size_t len);

/* skb.c: socket buffers, their fragments, pages. */
void tlsnic_kfree_skb(struct sk_buff *skb);
void tlsnic_consume_skb(struct sk_buff *skb);
struct sk_buff *tlsnic_skb_get(struct sk_buff *skb);
bool tlsnic_skb_shared(const struct sk_buff *skb);
struct sk_buff *tlsnic_skb_clone(struct sk_buff *skb, gfp_t gfp);
struct sk_buff *tlsnic_skb_copy(const struct sk_buff *skb, gfp_t gfp);
struct sk_buff *tlsnic_alloc_skb(unsigned int size, gfp_t gfp);
void tlsnic_skb_reserve(struct sk_buff *skb, int len);
unsigned int tlsnic_skb_headroom(const struct sk_buff *skb);
unsigned int tlsnic_skb_headlen(const struct sk_buff *skb);
void *tlsnic_skb_data(const struct sk_buff *skb);
struct sock *tlsnic_skb_sk(const struct sk_buff *skb);
bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len);
void tlsnic_skb_tx_timestamp(struct sk_buff *skb);
bool tlsnic_skb_copy_bits(const struct sk_buff *skb, u32 off, void *dst, u32 len);
u8 tlsnic_skb_ip_summed(const struct sk_buff *skb);
void tlsnic_skb_set_decrypted(struct sk_buff *skb);
void tlsnic_skb_clear_decrypted(struct sk_buff *skb);
bool tlsnic_skb_transport_header_was_set(const struct sk_buff *skb);
unsigned int tlsnic_skb_tcp_all_headers(const struct sk_buff *skb);
__be32 tlsnic_skb_tcp_seq(const struct sk_buff *skb);
int tlsnic_skb_nr_frags(const struct sk_buff *skb);
void tlsnic_skb_add_rx_frag(struct sk_buff *skb, int i, struct page *page, u32 off, u32 len);
struct page *tlsnic_skb_frag_page(const struct skb_frag *frag);
void tlsnic_skb_frag_ref(struct skb_frag *frag);
u32 tlsnic_skb_frag_off(const struct skb_frag *frag);
u32 tlsnic_skb_frag_size(const struct skb_frag *frag);
struct page *tlsnic_alloc_pages(gfp_t gfp, unsigned int order);
void *tlsnic_page_address(struct page *page);
int tlsnic_page_ref_count(struct page *page);
void tlsnic_get_page(struct page *page);
void tlsnic_put_page(struct page *page);
void tlsnic_skb_set_dev(struct sk_buff *skb, struct net_device *dev);
bool tlsnic_skb_is_gso(const struct sk_buff *skb);
void tlsnic_memcpy_from_page(void *dst, struct page *page, u32 off, u32 len);
bool tlsnic_virt_addr_valid(const void *addr);

/* sock.c: sockets and their connection. */
u16 tlsnic_sk_family(const struct sock *sk);
u16 tlsnic_sk_protocol(const struct sock *sk);
__be32 tlsnic_sk_daddr(const struct sock *sk);
__be32 tlsnic_sk_rcv_saddr(const struct sock *sk);
const struct in6_addr *tlsnic_sk_v6_daddr(const struct sock *sk);
const struct in6_addr *tlsnic_sk_v6_rcv_saddr(const struct sock *sk);
__be16 tlsnic_sk_dport(const struct sock *sk);
u16 tlsnic_sk_num(const struct sock *sk);
struct net *tlsnic_sock_net(const struct sock *sk);
u32 tlsnic_tcp_rcv_nxt(const struct sock *sk);
u32 tlsnic_tcp_held_end(struct sock *sk);
int tlsnic_tcp_held_copy(struct sock *sk, u32 seq, void *buf, u32 len);

/* tls.c: kTLS device offload (include/net/tls.h). */
struct tls_context *tlsnic_tls_get_ctx(const struct sock *sk);
bool tlsnic_tls_is_skb_tx_device_offloaded(const struct sk_buff *skb);
struct net_device *tlsnic_tls_ctx_netdev(const struct tls_context *ctx);
void **tlsnic_tls_driver_state(struct tls_context *ctx, int dir);
struct tls_offload_context_tx *tlsnic_tls_offload_ctx_tx(struct tls_context *ctx);
unsigned long tlsnic_tls_tx_lock(struct tls_offload_context_tx *octx);
void tlsnic_tls_tx_unlock(struct tls_offload_context_tx *octx, unsigned long flags);
bool tlsnic_tls_tx_resync_request(struct sock *sk, u32 got_seq, u32 exp_seq);
struct sk_buff *tlsnic_tls_encrypt_skb(struct sk_buff *skb);
void tlsnic_tls_rx_resync_set_type(struct sock *sk, int type);
void tlsnic_tls_rx_set_resync_async(struct sock *sk, struct tls_offload_resync_async *async);
void tlsnic_tls_rx_resync_request(struct sock *sk, u32 seq);
void tlsnic_tls_rx_resync_async_start(struct tls_offload_resync_async *async, u32 seq, u16 len);
void tlsnic_tls_rx_resync_async_end(struct tls_offload_resync_async *async, u32 seq);
void tlsnic_tls_rx_resync_async_cancel(struct tls_offload_resync_async *async);

/* crypto.c: the kernel crypto API. */
struct aead_request *tlsnic_aead_request_alloc(struct crypto_aead *tfm, gfp_t gfp);
void tlsnic_aead_request_free(struct aead_request *req);
void tlsnic_aead_request_wipe(struct aead_request *req);
void tlsnic_aead_request_set_callback(struct aead_request *req,
				      void (*done)(void *data, int err), void *data);
void tlsnic_aead_request_set_crypt(struct aead_request *req, struct scatterlist *src,
				   struct scatterlist *dst, unsigned int cryptlen, u8 *iv);
void tlsnic_aead_request_set_ad(struct aead_request *req, unsigned int assoclen);
void tlsnic_crypto_free_aead(struct crypto_aead *tfm);
unsigned int tlsnic_crypto_aead_ivsize(struct crypto_aead *tfm);
const char *tlsnic_crypto_aead_driver_name(struct crypto_aead *tfm);
void tlsnic_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len);
void tlsnic_sg_set_page(struct scatterlist *sg, struct page *page, u32 len, u32 off);
void tlsnic_sg_mark_end(struct scatterlist *sg);
int tlsnic_crypto_sync_skcipher_setkey(struct crypto_sync_skcipher *tfm, const u8 *key,
				       unsigned int keylen);
void tlsnic_crypto_free_sync_skcipher(struct crypto_sync_skcipher *tfm);
const char *tlsnic_crypto_sync_skcipher_driver_name(struct crypto_sync_skcipher *tfm);
unsigned int tlsnic_crypto_sync_skcipher_ivsize(struct crypto_sync_skcipher *tfm);
struct skcipher_request *tlsnic_sync_skcipher_request_alloc(struct crypto_sync_skcipher *tfm,
							    gfp_t gfp);
void tlsnic_skcipher_request_set_callback(struct skcipher_request *req, u32 flags,
					  void (*done)(void *data, int err), void *data);
void tlsnic_skcipher_request_free(struct skcipher_request *req);
void tlsnic_skcipher_request_wipe(struct skcipher_request *req);
void tlsnic_skcipher_request_set_crypt(struct skcipher_request *req, struct scatterlist *src,
				       struct scatterlist *dst, unsigned int len, u8 *iv);
void tlsnic_crypto_free_shash(struct crypto_shash *tfm);
const char *tlsnic_crypto_shash_driver_name(struct crypto_shash *tfm);
unsigned int tlsnic_crypto_shash_descsize(struct crypto_shash *tfm);
unsigned int tlsnic_crypto_shash_statesize(struct crypto_shash *tfm);
unsigned int tlsnic_crypto_shash_digestsize(struct crypto_shash *tfm);
int tlsnic_crypto_shash_init(struct shash_desc *desc);
bool tlsnic_crypto_simd_usable(void);

/* bpf.c: running a BPF program. */
void tlsnic_migrate_disable(void);
void tlsnic_migrate_enable(void);
struct bpf_run_ctx *tlsnic_bpf_set_run_ctx(struct bpf_run_ctx *ctx);
void tlsnic_bpf_reset_run_ctx(struct bpf_run_ctx *old);
u32 tlsnic_bpf_prog_run(const struct bpf_prog *prog, const void *ctx);

/* trace.c: tracepoints (tlsnic_trace.h); each returns at once while its event is off. */
void tlsnic_trace_flow_add(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   const char *cipher, const char *engine, const char *policy);
void tlsnic_trace_flow_refused(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			       const char *cipher, const char *policy, const char *reason,
			       int err);
void tlsnic_trace_flow_del(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   u64 records, u64 bytes, u64 resyncs, u64 age_ms);
void tlsnic_trace_resync_request(const struct net_device *dev,
				 const struct tlsnic_trace_flow *id, const char *reason,
				 u32 seq, u32 len);
void tlsnic_trace_resync_done(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			      const char *reason, u32 seq, u32 len);
void tlsnic_trace_record_drop(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			      const char *reason, u32 seq, u32 len);
void tlsnic_trace_fallback(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			   const char *reason, u32 seq, u32 len);
void tlsnic_trace_engine_fault(const struct net_device *dev, const struct tlsnic_trace_flow *id,
			       const char *engine, u32 count);

/* xdp.c: native XDP. */
u32 tlsnic_bpf_prog_run_xdp(const struct bpf_prog *prog, struct xdp_buff *xdp);
void tlsnic_xdp_init_buff(struct xdp_buff *xdp, u32 frame_sz, struct xdp_rxq_info *rxq);
void tlsnic_xdp_prepare_buff(struct xdp_buff *xdp, unsigned char *hard_start,
			     int headroom, int len);
int tlsnic_xdp_rxq_info_reg(struct xdp_rxq_info *rxq, struct net_device *dev);
struct bpf_net_context *tlsnic_bpf_net_ctx_set(struct bpf_net_context *ctx);
void tlsnic_bpf_net_ctx_clear(struct bpf_net_context *ctx);
void tlsnic_trace_xdp_exception(const struct net_device *dev, const struct bpf_prog *prog,
				u32 act);
bool tlsnic_xdp_frame_has_frags(const struct xdp_frame *frame);
bool tlsnic_prog_xdp_has_frags(const struct bpf_prog *prog);
void tlsnic_skb_metadata_set(struct sk_buff *skb, u8 len);
void tlsnic_skb_set_csum_unnecessary(struct sk_buff *skb);
void tlsnic_skb_set_dev(struct sk_buff *skb, struct net_device *dev);
bool tlsnic_skb_is_gso(const struct sk_buff *skb);

#endif /* TLSNIC_SHIM_H */
