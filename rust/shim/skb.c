// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: Socket buffers, their page fragments and the pages of sealed records.
 * Included by tlsnic_shim.c.
 */

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

void tlsnic_consume_skb(struct sk_buff *skb)
{
	consume_skb(skb);
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

struct sk_buff *tlsnic_skb_get(struct sk_buff *skb)
{
	return skb_get(skb);
}
