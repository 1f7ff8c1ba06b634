/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsnic C shim: prototypes of the wrappers in tlsnic_shim.c and the files it
 * includes (one per subsystem).
 *
 * The Rust side of tlsnic cannot call `static inline` kernel functions or
 * macros; most wrappers here are one-line, non-inline copies of one of them.
 * Some hold more: the transmit context lookup for an skb, a socket's flow
 * key, the BPF policy run (with its cgroup run context), the sysfs
 * attribute group and its callbacks, the ctr(aes) and ghash steps of the
 * receive engine, and module parameters.
 */
#ifndef TLSNIC_SHIM_H
#define TLSNIC_SHIM_H

#include <linux/types.h>

struct aead_request;
struct bpf_prog;
struct dentry;
struct spinlock;
struct skb_frag;
struct crypto_aead;
struct net;
struct page;
struct net_device;
struct scatterlist;
struct sk_buff;
struct sock;
struct tls_context;
struct tls_offload_context_tx;
struct tls_record_info;

/* Module parameter "pairs" (module! in Rust 6.12 cannot declare parameters). */
extern unsigned int tlsnic_param_pairs;
extern char *tlsnic_param_engine;

void *tlsnic_netdev_priv(const struct net_device *dev);
bool tlsnic_netif_running(const struct net_device *dev);
struct net *tlsnic_dev_net(const struct net_device *dev);
void tlsnic_eth_hw_addr_random(struct net_device *dev);
void tlsnic_tstats_tx_add(struct net_device *dev, unsigned int len);
void tlsnic_tstats_rx_add(struct net_device *dev, unsigned int len);
void tlsnic_stats_tx_dropped_inc(struct net_device *dev);

void tlsnic_kfree_skb(struct sk_buff *skb);
bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len);
void tlsnic_skb_tx_timestamp(struct sk_buff *skb);

void tlsnic_rcu_read_lock(void);
void tlsnic_rcu_read_unlock(void);
bool tlsnic_rtnl_is_locked(void);

void tlsnic_consume_skb(struct sk_buff *skb);
void tlsnic_skb_clear_decrypted(struct sk_buff *skb);

/* kTLS device offload (include/net/tls.h). */
struct tls_context *tlsnic_tls_get_ctx(const struct sock *sk);
struct tls_context *tlsnic_tls_tx_ctx_for_skb(const struct sk_buff *skb,
					      const struct net_device *dev);
void **tlsnic_tls_driver_state(struct tls_context *ctx, int dir);
struct tls_offload_context_tx *tlsnic_tls_offload_ctx_tx(struct tls_context *ctx);
unsigned long tlsnic_tls_tx_lock(struct tls_offload_context_tx *octx);
void tlsnic_tls_tx_unlock(struct tls_offload_context_tx *octx, unsigned long flags);
bool tlsnic_skb_tcp_payload(const struct sk_buff *skb, u32 *seq, u32 *hdr_len);
struct page *tlsnic_frag_get_page(const struct skb_frag *frag, u32 *off, u32 *len);
void tlsnic_put_page(struct page *page);
void tlsnic_page_copy(struct page *page, u32 off, void *dst, u32 len);
void tlsnic_sg_set_page(struct scatterlist *sg, struct page *page, u32 len, u32 off);
struct page *tlsnic_alloc_seal_page(unsigned int order);
void *tlsnic_page_address(struct page *page);
int tlsnic_page_ref_count(struct page *page);
struct sk_buff *tlsnic_skb_copy_headers(const struct sk_buff *skb, u32 hdr_len, bool linear);
bool tlsnic_skb_add_page_frag(struct sk_buff *skb, struct page *page, u32 off, u32 len);
bool tlsnic_skb_csum_partial(const struct sk_buff *skb);
void *tlsnic_skb_data(const struct sk_buff *skb);

/* Crypto AEAD (include/crypto/aead.h). */
struct aead_request *tlsnic_aead_request_alloc(struct crypto_aead *tfm);
void tlsnic_aead_request_free(struct aead_request *req);
void tlsnic_crypto_free_aead(struct crypto_aead *tfm);
void tlsnic_aead_request_setup(struct aead_request *req, struct scatterlist *src,
			       struct scatterlist *dst,
			       unsigned int assoclen, unsigned int cryptlen, u8 *iv,
			       void (*done)(void *data, int err), void *data);
void tlsnic_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len);
void tlsnic_sg_mark_end(struct scatterlist *sg);
const char *tlsnic_crypto_aead_driver_name(struct crypto_aead *tfm);
unsigned int tlsnic_crypto_aead_ivsize(struct crypto_aead *tfm);

/* Receive offload and the virtual wire. */
void tlsnic_spin_lock_bh(struct spinlock *lock);
void tlsnic_spin_unlock_bh(struct spinlock *lock);
bool tlsnic_sock_flow_key(const struct sock *sk, u8 *remote, u8 *local, u16 *remote_port,
			  u16 *local_port);
u64 tlsnic_sock_net_cookie(const struct sock *sk);
u64 tlsnic_dev_net_cookie(const struct net_device *dev);
void tlsnic_tls_rx_resync_next_hint(struct sock *sk);
void tlsnic_skb_set_decrypted(struct sk_buff *skb);
bool tlsnic_skb_csum_trusted(const struct sk_buff *skb);
bool tlsnic_skb_copy_bits(const struct sk_buff *skb, u32 off, void *dst, u32 len);
struct sk_buff *tlsnic_skb_clone(struct sk_buff *skb);
struct sk_buff *tlsnic_skb_get(struct sk_buff *skb);
struct sk_buff *tlsnic_skb_copy(const struct sk_buff *skb);

/* debugfs (include/linux/debugfs.h); NULL instead of error pointers. */
struct dentry *tlsnic_debugfs_dir(const char *name, struct dentry *parent);
void tlsnic_debugfs_u32(const char *name, struct dentry *dir, u32 *value);
void tlsnic_debugfs_u64(const char *name, struct dentry *dir, u64 *value, umode_t mode);
void tlsnic_debugfs_remove(struct dentry *dentry);

/* BPF flow policy. */
struct bpf_prog *tlsnic_bpf_policy_get(const char *path);
u32 tlsnic_bpf_policy_run(const struct bpf_prog *prog, struct sock *sk);
u32 tlsnic_bpf_prog_id(const struct bpf_prog *prog);
const char *tlsnic_bpf_prog_name(const struct bpf_prog *prog);
void tlsnic_synchronize_rcu(void);

/* Per-device sysfs group "tlsnic": its callbacks, provided by the Rust driver. */
enum {
	TLSNIC_ATTR_POLICY = 0,
	TLSNIC_ATTR_ENGINE = 1,
};

struct tlsnic_sysfs_ops {
	/* Fills buf (PAGE_SIZE bytes) for attribute attr; returns the length written or -errno. */
	ssize_t (*show)(struct net_device *dev, int attr, char *buf);
	/* Returns len or -errno. */
	ssize_t (*store)(struct net_device *dev, int attr, const char *buf, size_t len);
};

void tlsnic_sysfs_set_ops(const struct tlsnic_sysfs_ops *ops);
void tlsnic_netdev_set_sysfs_group(struct net_device *dev);

/* Kernel-crypto receive engine: ctr(aes) keystream and ghash, synchronous. */
struct crypto_sync_skcipher *tlsnic_ctr_alloc(const u8 *key, unsigned int keylen);
void tlsnic_ctr_free(struct crypto_sync_skcipher *tfm);
const char *tlsnic_ctr_driver_name(struct crypto_sync_skcipher *tfm);
int tlsnic_ctr_xor(struct crypto_sync_skcipher *tfm, const u8 *iv, void *buf, unsigned int len);
struct crypto_shash *tlsnic_ghash_alloc(const u8 *h);
void tlsnic_ghash_free(struct crypto_shash *tfm);
const char *tlsnic_ghash_driver_name(struct crypto_shash *tfm);
unsigned int tlsnic_ghash_statesize(struct crypto_shash *tfm);
int tlsnic_ghash_step(struct crypto_shash *tfm, void *state, bool init, const u8 *data,
		      unsigned int len, u8 *out);
/* The device's queue for an asynchronous transmit engine. */
struct tlsnic_txq;
struct tlsnic_txq *tlsnic_txq_alloc(struct net_device *dev, void (*run)(struct net_device *dev));
void tlsnic_txq_kick(struct tlsnic_txq *q);
void tlsnic_txq_free(struct tlsnic_txq *q);
#endif /* TLSNIC_SHIM_H */
