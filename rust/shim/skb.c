// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: socket buffers, their page fragments, and pages.
 * Included by tlsnic_shim.c.
 */

void tlsnic_kfree_skb(struct sk_buff *skb)
{
	kfree_skb(skb);
}

void tlsnic_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
}

struct sk_buff *tlsnic_skb_get(struct sk_buff *skb)
{
	return skb_get(skb);
}

bool tlsnic_skb_shared(const struct sk_buff *skb)
{
	return skb_shared(skb);
}

struct sk_buff *tlsnic_skb_clone(struct sk_buff *skb, gfp_t gfp)
{
	return skb_clone(skb, gfp);
}

struct sk_buff *tlsnic_skb_copy(const struct sk_buff *skb, gfp_t gfp)
{
	return skb_copy(skb, gfp);
}

struct sk_buff *tlsnic_alloc_skb(unsigned int size, gfp_t gfp)
{
	return alloc_skb(size, gfp);
}

void tlsnic_skb_reserve(struct sk_buff *skb, int len)
{
	skb_reserve(skb, len);
}

unsigned int tlsnic_skb_headroom(const struct sk_buff *skb)
{
	return skb_headroom(skb);
}

unsigned int tlsnic_skb_headlen(const struct sk_buff *skb)
{
	return skb_headlen(skb);
}

void *tlsnic_skb_data(const struct sk_buff *skb)
{
	return skb->data;
}

struct sock *tlsnic_skb_sk(const struct sk_buff *skb)
{
	return skb->sk;
}

bool tlsnic_pskb_may_pull(struct sk_buff *skb, unsigned int len)
{
	return pskb_may_pull(skb, len);
}

void tlsnic_skb_tx_timestamp(struct sk_buff *skb)
{
	skb_tx_timestamp(skb);
}

bool tlsnic_skb_copy_bits(const struct sk_buff *skb, u32 off, void *dst, u32 len)
{
	return skb_copy_bits(skb, off, dst, len) == 0;
}

u8 tlsnic_skb_ip_summed(const struct sk_buff *skb)
{
	return skb->ip_summed;
}

void tlsnic_skb_set_decrypted(struct sk_buff *skb)
{
	skb->decrypted = 1;
}

void tlsnic_skb_clear_decrypted(struct sk_buff *skb)
{
	skb->decrypted = 0;
}

bool tlsnic_skb_transport_header_was_set(const struct sk_buff *skb)
{
	return skb_transport_header_was_set(skb);
}

unsigned int tlsnic_skb_tcp_all_headers(const struct sk_buff *skb)
{
	return skb_tcp_all_headers(skb);
}

__be32 tlsnic_skb_tcp_seq(const struct sk_buff *skb)
{
	return tcp_hdr(skb)->seq;
}

int tlsnic_skb_nr_frags(const struct sk_buff *skb)
{
	return skb_shinfo(skb)->nr_frags;
}

void tlsnic_skb_add_rx_frag(struct sk_buff *skb, int i, struct page *page, u32 off, u32 len)
{
	skb_add_rx_frag(skb, i, page, off, len, len);
}

struct page *tlsnic_skb_frag_page(const skb_frag_t *frag)
{
	return skb_frag_page(frag);
}

void tlsnic_skb_frag_ref(skb_frag_t *frag)
{
	__skb_frag_ref(frag);
}

u32 tlsnic_skb_frag_off(const skb_frag_t *frag)
{
	return skb_frag_off(frag);
}

u32 tlsnic_skb_frag_size(const skb_frag_t *frag)
{
	return skb_frag_size(frag);
}

struct page *tlsnic_alloc_pages(gfp_t gfp, unsigned int order)
{
	return alloc_pages(gfp, order);
}

void *tlsnic_page_address(struct page *page)
{
	return page_address(page);
}

int tlsnic_page_ref_count(struct page *page)
{
	return page_ref_count(page);
}

void tlsnic_get_page(struct page *page)
{
	get_page(page);
}

void tlsnic_put_page(struct page *page)
{
	put_page(page);
}

/* Copies from the base page of (possibly compound) @page that holds byte @off. */
void tlsnic_memcpy_from_page(void *dst, struct page *page, u32 off, u32 len)
{
	memcpy_from_page(dst, nth_page(page, off >> PAGE_SHIFT), offset_in_page(off), len);
}

bool tlsnic_virt_addr_valid(const void *addr)
{
	return virt_addr_valid(addr);
}
