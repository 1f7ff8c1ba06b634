// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: out-of-line copies of `static inline` kernel helpers for the
 * Rust side, and the module parameter. Keep this file free of logic.
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

unsigned int tlsnic_param_pairs = 1;
module_param_named(pairs, tlsnic_param_pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "Number of linked tlsnic pairs created at load (0-64, default 1)");

char *tlsnic_param_engine = "kcrypto";
module_param_named(engine, tlsnic_param_engine, charp, 0444);
MODULE_PARM_DESC(engine, "Crypto engine of new devices: soft, kcrypto or \"kcrypto ALG\" (default kcrypto)");

void *tlsnic_netdev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

bool tlsnic_netif_running(const struct net_device *dev)
{
	return netif_running(dev);
}

struct net *tlsnic_dev_net(const struct net_device *dev)
{
	return dev_net(dev);
}

void tlsnic_eth_hw_addr_random(struct net_device *dev)
{
	eth_hw_addr_random(dev);
}

void tlsnic_tstats_tx_add(struct net_device *dev, unsigned int len)
{
	dev_sw_netstats_tx_add(dev, 1, len);
}

void tlsnic_tstats_rx_add(struct net_device *dev, unsigned int len)
{
	dev_sw_netstats_rx_add(dev, len);
}

void tlsnic_stats_tx_dropped_inc(struct net_device *dev)
{
	DEV_STATS_INC(dev, tx_dropped);
}

void tlsnic_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

void tlsnic_skb_tx_timestamp(struct sk_buff *skb)
{
	skb_tx_timestamp(skb);
}

void tlsnic_rcu_read_lock(void)
{
	rcu_read_lock();
}

void tlsnic_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

bool tlsnic_rtnl_is_locked(void)
{
	return rtnl_is_locked();
}

void tlsnic_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

/* What leaves a tlsnic device is wire data: never "plaintext for the device". */
void tlsnic_skb_clear_decrypted(struct sk_buff *skb)
{
#ifdef CONFIG_SKB_DECRYPTED
	skb->decrypted = 0;
#endif
}

struct tls_context *tlsnic_tls_get_ctx(const struct sock *sk)
{
	return tls_get_ctx(sk);
}

/*
 * tls_is_skb_tx_device_offloaded() for this device: the socket's offload
 * context if @skb carries plaintext TLS records for @dev to encrypt, else NULL
 * (not kTLS, software kTLS, or offloaded to another device, in which case
 * tls_validate_xmit_skb() already encrypted it in software). Caller holds
 * rcu_read_lock_bh (ndo_start_xmit).
 */
struct tls_context *tlsnic_tls_tx_ctx_for_skb(const struct sk_buff *skb,
					      const struct net_device *dev)
{
	struct tls_context *ctx;

	if (!tls_is_skb_tx_device_offloaded(skb))
		return NULL;
	ctx = tls_get_ctx(skb->sk);
	if (!ctx || rcu_access_pointer(ctx->netdev) != dev)
		return NULL;
	return ctx;
}

void **tlsnic_tls_driver_state(struct tls_context *ctx, int dir)
{
	return __tls_driver_ctx(ctx, dir);
}

struct tls_offload_context_tx *tlsnic_tls_offload_ctx_tx(struct tls_context *ctx)
{
	return tls_offload_ctx_tx(ctx);
}

unsigned long tlsnic_tls_tx_lock(struct tls_offload_context_tx *octx)
{
	unsigned long flags;

	spin_lock_irqsave(&octx->lock, flags);
	return flags;
}

void tlsnic_tls_tx_unlock(struct tls_offload_context_tx *octx, unsigned long flags)
{
	spin_unlock_irqrestore(&octx->lock, flags);
}

/* TCP sequence number and header length (link + network + TCP) of a TCP skb. */
bool tlsnic_skb_tcp_payload(const struct sk_buff *skb, u32 *seq, u32 *hdr_len)
{
	if (!skb_transport_header_was_set(skb))
		return false;
	*hdr_len = skb_tcp_all_headers(skb);
	if (*hdr_len > skb_headlen(skb) || *hdr_len > skb->len)
		return false;
	*seq = ntohl(tcp_hdr(skb)->seq);
	return true;
}

/* Takes a reference on @frag's page (__skb_frag_ref) and returns it with its span. */
struct page *tlsnic_frag_get_page(const skb_frag_t *frag, u32 *off, u32 *len)
{
	__skb_frag_ref((skb_frag_t *)frag);
	*off = skb_frag_off(frag);
	*len = skb_frag_size(frag);
	return skb_frag_page(frag);
}

void tlsnic_put_page(struct page *page)
{
	put_page(page);
}

/* Copies from a (possibly compound) page fragment, one base page at a time. */
void tlsnic_page_copy(struct page *page, u32 off, void *dst, u32 len)
{
	while (len) {
		u32 o = offset_in_page(off);
		u32 n = min_t(u32, len, PAGE_SIZE - o);

		memcpy_from_page(dst, nth_page(page, off >> PAGE_SHIFT), o, n);
		dst += n;
		off += n;
		len -= n;
	}
}

void tlsnic_sg_set_page(struct scatterlist *sg, struct page *page, u32 len, u32 off)
{
	sg_set_page(sg, page, len, off);
}

/* A compound page block for one sealed record, from atomic context. */
struct page *tlsnic_alloc_seal_page(unsigned int order)
{
	return alloc_pages(GFP_ATOMIC | __GFP_NOWARN | __GFP_COMP, order);
}

void *tlsnic_page_address(struct page *page)
{
	return page_address(page);
}

int tlsnic_page_ref_count(struct page *page)
{
	return page_ref_count(page);
}

/*
 * A new skb with @skb's headers and metadata, for the encrypted copy (the
 * original's fragments are the retransmit copy and are never written). With
 * @linear, its head has room for the whole payload, which the caller fills;
 * otherwise it holds only the headers and the payload is then attached as page
 * fragments (tlsnic_skb_add_page_frag).
 */
struct sk_buff *tlsnic_skb_copy_headers(const struct sk_buff *skb, u32 hdr_len, bool linear)
{
	u32 len = linear ? skb->len : hdr_len;
	struct sk_buff *nskb;

	nskb = alloc_skb(skb_headroom(skb) + len, GFP_ATOMIC | __GFP_NOWARN);
	if (!nskb)
		return NULL;
	skb_reserve(nskb, skb_headroom(skb));
	skb_put(nskb, len);
	if (skb_copy_bits(skb, 0, nskb->data, hdr_len)) {
		kfree_skb(nskb);
		return NULL;
	}
	skb_copy_header(nskb, skb);
	return nskb;
}

/* Appends [@off, @off + @len) of @page as a fragment, taking a page reference. */
bool tlsnic_skb_add_page_frag(struct sk_buff *skb, struct page *page, u32 off, u32 len)
{
	int i = skb_shinfo(skb)->nr_frags;

	if (i >= MAX_SKB_FRAGS)
		return false;
	get_page(page);
	skb_add_rx_frag(skb, i, page, off, len, len);
	return true;
}

bool tlsnic_skb_csum_partial(const struct sk_buff *skb)
{
	return skb->ip_summed == CHECKSUM_PARTIAL;
}

void *tlsnic_skb_data(const struct sk_buff *skb)
{
	return skb->data;
}

struct aead_request *tlsnic_aead_request_alloc(struct crypto_aead *tfm)
{
	return aead_request_alloc(tfm, GFP_KERNEL);
}

void tlsnic_aead_request_free(struct aead_request *req)
{
	aead_request_free(req);
}

void tlsnic_crypto_free_aead(struct crypto_aead *tfm)
{
	crypto_free_aead(tfm);
}

void tlsnic_aead_request_setup(struct aead_request *req, struct scatterlist *src,
			       struct scatterlist *dst,
			       unsigned int assoclen, unsigned int cryptlen, u8 *iv,
			       void (*done)(void *data, int err), void *data)
{
	aead_request_set_callback(req, 0, done, data);
	aead_request_set_crypt(req, src, dst, cryptlen, iv);
	aead_request_set_ad(req, assoclen);
}

void tlsnic_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len)
{
	sg_set_buf(sg, buf, len);
}

void tlsnic_sg_mark_end(struct scatterlist *sg)
{
	sg_mark_end(sg);
}

const char *tlsnic_crypto_aead_driver_name(struct crypto_aead *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm));
}

void tlsnic_spin_lock_bh(struct spinlock *lock)
{
	spin_lock_bh(lock);
}

void tlsnic_spin_unlock_bh(struct spinlock *lock)
{
	spin_unlock_bh(lock);
}

/*
 * The connection of a TCP socket from its own side; IPv4 addresses come out
 * IPv4-mapped, as an AF_INET6 socket talking IPv4 already holds them.
 */
bool tlsnic_sock_flow_key(const struct sock *sk, u8 *remote, u8 *local, u16 *remote_port,
			  u16 *local_port)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_protocol != IPPROTO_TCP)
		return false;
	switch (sk->sk_family) {
	case AF_INET:
		ipv6_addr_set_v4mapped(inet->inet_daddr, (struct in6_addr *)remote);
		ipv6_addr_set_v4mapped(inet->inet_rcv_saddr, (struct in6_addr *)local);
		break;
#if IS_ENABLED(CONFIG_IPV6)
	case AF_INET6:
		memcpy(remote, &sk->sk_v6_daddr, 16);
		memcpy(local, &sk->sk_v6_rcv_saddr, 16);
		break;
#endif
	default:
		return false;
	}
	*remote_port = ntohs(inet->inet_dport);
	*local_port = ntohs(inet->inet_sport);
	return true;
}

u64 tlsnic_sock_net_cookie(const struct sock *sk)
{
	return sock_net(sk)->net_cookie;
}

u64 tlsnic_dev_net_cookie(const struct net_device *dev)
{
	return dev_net(dev)->net_cookie;
}

void tlsnic_tls_rx_resync_next_hint(struct sock *sk)
{
	tls_offload_rx_resync_set_type(sk, TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT);
}

void tlsnic_skb_set_decrypted(struct sk_buff *skb)
{
	skb->decrypted = 1;
}

/* The TCP checksum is known good or left to the device: payload may be rewritten. */
bool tlsnic_skb_csum_trusted(const struct sk_buff *skb)
{
	return skb->ip_summed == CHECKSUM_PARTIAL || skb->ip_summed == CHECKSUM_UNNECESSARY;
}

bool tlsnic_skb_copy_bits(const struct sk_buff *skb, u32 off, void *dst, u32 len)
{
	return skb_copy_bits(skb, off, dst, len) == 0;
}

struct sk_buff *tlsnic_skb_clone(struct sk_buff *skb)
{
	return skb_clone(skb, GFP_ATOMIC);
}

struct sk_buff *tlsnic_skb_copy(const struct sk_buff *skb)
{
	return skb_copy(skb, GFP_ATOMIC);
}

struct dentry *tlsnic_debugfs_dir(const char *name, struct dentry *parent)
{
	struct dentry *d = debugfs_create_dir(name, parent);

	return IS_ERR(d) ? NULL : d;
}

void tlsnic_debugfs_u32(const char *name, struct dentry *dir, u32 *value)
{
	debugfs_create_u32(name, 0600, dir, value);
}

void tlsnic_debugfs_u64(const char *name, struct dentry *dir, u64 *value, umode_t mode)
{
	debugfs_create_u64(name, mode, dir, value);
}

void tlsnic_debugfs_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}

/*
 * BPF flow policy: the program runs the way the cgroup core runs
 * BPF_PROG_TYPE_CGROUP_SOCK programs (context: the socket; a cgroup run
 * context so that bpf_get_retval()/bpf_set_retval() work), from process
 * context. The caller holds rcu_read_lock() across the run.
 */
struct bpf_prog *tlsnic_bpf_policy_get(const char *path)
{
	struct bpf_prog *prog = bpf_prog_get_type_path(path, BPF_PROG_TYPE_CGROUP_SOCK);
	int i;

	if (IS_ERR(prog))
		return prog;
	/* Cgroup storage belongs to a cgroup attachment, which a policy has not. */
	for (i = 0; i < MAX_BPF_CGROUP_STORAGE_TYPE; i++) {
		if (prog->aux->cgroup_storage[i]) {
			bpf_prog_put(prog);
			return ERR_PTR(-EINVAL);
		}
	}
	return prog;
}

u32 tlsnic_bpf_policy_run(const struct bpf_prog *prog, struct sock *sk)
{
	struct bpf_prog_array_item item = { .prog = (struct bpf_prog *)prog };
	struct bpf_cg_run_ctx run_ctx = { .prog_item = &item };
	struct bpf_run_ctx *old;
	u32 ret;

	migrate_disable();
	old = bpf_set_run_ctx(&run_ctx.run_ctx);
	ret = bpf_prog_run(prog, sk);
	bpf_reset_run_ctx(old);
	migrate_enable();
	return ret;
}

u32 tlsnic_bpf_prog_id(const struct bpf_prog *prog)
{
	return prog->aux->id;
}

const char *tlsnic_bpf_prog_name(const struct bpf_prog *prog)
{
	return prog->aux->name;
}

void tlsnic_synchronize_rcu(void)
{
	synchronize_rcu();
}

/*
 * Per-device sysfs attributes (/sys/class/net/DEV/tlsnic/): a static group
 * whose show/store forward to the Rust driver through one ops table, set
 * before the link kind is registered.
 */
static const struct tlsnic_sysfs_ops *tlsnic_sysfs;

void tlsnic_sysfs_set_ops(const struct tlsnic_sysfs_ops *ops)
{
	WRITE_ONCE(tlsnic_sysfs, ops);
}

static ssize_t tlsnic_attr_show(struct device *d, int attr, char *buf)
{
	const struct tlsnic_sysfs_ops *ops = READ_ONCE(tlsnic_sysfs);

	return ops ? ops->show(to_net_dev(d), attr, buf) : -ENODEV;
}

static ssize_t tlsnic_attr_store(struct device *d, int attr, const char *buf, size_t len)
{
	const struct tlsnic_sysfs_ops *ops = READ_ONCE(tlsnic_sysfs);
	struct net_device *dev = to_net_dev(d);

	if (!ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return ops ? ops->store(dev, attr, buf, len) : -ENODEV;
}

static ssize_t policy_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return tlsnic_attr_show(d, TLSNIC_ATTR_POLICY, buf);
}

static ssize_t policy_store(struct device *d, struct device_attribute *attr, const char *buf,
			    size_t len)
{
	return tlsnic_attr_store(d, TLSNIC_ATTR_POLICY, buf, len);
}

static ssize_t engine_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return tlsnic_attr_show(d, TLSNIC_ATTR_ENGINE, buf);
}

static ssize_t engine_store(struct device *d, struct device_attribute *attr, const char *buf,
			    size_t len)
{
	return tlsnic_attr_store(d, TLSNIC_ATTR_ENGINE, buf, len);
}

static DEVICE_ATTR_RW(policy);
static DEVICE_ATTR_RW(engine);

static struct attribute *tlsnic_attrs[] = {
	&dev_attr_policy.attr,
	&dev_attr_engine.attr,
	NULL,
};

static const struct attribute_group tlsnic_group = {
	.name = "tlsnic",
	.attrs = tlsnic_attrs,
};

/* Called from the link setup callback, before the device is registered. */
void tlsnic_netdev_set_sysfs_group(struct net_device *dev)
{
	dev->sysfs_groups[0] = &tlsnic_group;
}

/*
 * Kernel-crypto receive engine: AES-CTR keystream and GHASH from synchronous
 * transforms (ctr(aes), ghash), so that a record can be opened in pieces as
 * its frames arrive. Buffers given to tlsnic_ctr_xor() are never on the stack
 * (a scatterlist points at them).
 */
struct crypto_sync_skcipher *tlsnic_ctr_alloc(const u8 *key, unsigned int keylen)
{
	struct crypto_sync_skcipher *tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	int err;

	if (IS_ERR(tfm))
		return tfm;
	err = crypto_sync_skcipher_setkey(tfm, key, keylen);
	if (err) {
		crypto_free_sync_skcipher(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

void tlsnic_ctr_free(struct crypto_sync_skcipher *tfm)
{
	crypto_free_sync_skcipher(tfm);
}

const char *tlsnic_ctr_driver_name(struct crypto_sync_skcipher *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_skcipher_tfm(&tfm->base));
}

/* XORs the keystream from counter block iv (16 bytes, not modified) into buf. */
int tlsnic_ctr_xor(struct crypto_sync_skcipher *tfm, const u8 *iv, void *buf, unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 ctr[16];
	int err;

	memcpy(ctr, iv, sizeof(ctr));
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, ctr);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memzero_explicit(ctr, sizeof(ctr));
	return err;
}

struct crypto_shash *tlsnic_ghash_alloc(const u8 *h)
{
	struct crypto_shash *tfm = crypto_alloc_shash("ghash", 0, 0);
	int err;

	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, h, 16);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

void tlsnic_ghash_free(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

const char *tlsnic_ghash_driver_name(struct crypto_shash *tfm)
{
	return crypto_shash_driver_name(tfm);
}

unsigned int tlsnic_ghash_statesize(struct crypto_shash *tfm)
{
	return crypto_shash_statesize(tfm);
}

/*
 * One GHASH step on exported state: start afresh (init) or from state, hash
 * data, and export the state again; or (out != NULL) finish into out.
 */
int tlsnic_ghash_step(struct crypto_shash *tfm, void *state, bool init, const u8 *data,
		      unsigned int len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int err;

	desc->tfm = tfm;
	err = init ? crypto_shash_init(desc) : crypto_shash_import(desc, state);
	if (!err && len)
		err = crypto_shash_update(desc, data, len);
	if (!err)
		err = out ? crypto_shash_final(desc, out) : crypto_shash_export(desc, state);
	shash_desc_zero(desc);
	return err;
}

/*
 * The device's queue for an asynchronous engine: a work item that runs the
 * driver's drain function in the context of a transmit (RCU-BH read side).
 */
struct tlsnic_txq {
	struct work_struct work;
	struct net_device *dev;
	void (*run)(struct net_device *dev);
};

static void tlsnic_txq_work(struct work_struct *work)
{
	struct tlsnic_txq *q = container_of(work, struct tlsnic_txq, work);

	rcu_read_lock_bh();
	q->run(q->dev);
	rcu_read_unlock_bh();
}

struct tlsnic_txq *tlsnic_txq_alloc(struct net_device *dev, void (*run)(struct net_device *dev))
{
	struct tlsnic_txq *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return NULL;
	INIT_WORK(&q->work, tlsnic_txq_work);
	q->dev = dev;
	q->run = run;
	return q;
}

void tlsnic_txq_kick(struct tlsnic_txq *q)
{
	queue_work(system_wq, &q->work);
}

/* Waits for kicks in RCU read sections (completion callbacks), then for the work. */
void tlsnic_txq_free(struct tlsnic_txq *q)
{
	synchronize_rcu();
	cancel_work_sync(&q->work);
	kfree(q);
}

unsigned int tlsnic_crypto_aead_ivsize(struct crypto_aead *tfm)
{
	return crypto_aead_ivsize(tfm);
}

struct sk_buff *tlsnic_skb_get(struct sk_buff *skb)
{
	return skb_get(skb);
}
