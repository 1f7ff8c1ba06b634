// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: native XDP (include/linux/filter.h, include/net/xdp.h,
 * include/trace/events/xdp.h). Included by tlsnic_shim.c.
 */

u32 tlsnic_bpf_prog_run_xdp(const struct bpf_prog *prog, struct xdp_buff *xdp)
{
	return bpf_prog_run_xdp(prog, xdp);
}

void tlsnic_xdp_init_buff(struct xdp_buff *xdp, u32 frame_sz, struct xdp_rxq_info *rxq)
{
	xdp_init_buff(xdp, frame_sz, rxq);
}

void tlsnic_xdp_prepare_buff(struct xdp_buff *xdp, unsigned char *hard_start,
			     int headroom, int len)
{
	xdp_prepare_buff(xdp, hard_start, headroom, len, true);
}

int tlsnic_xdp_rxq_info_reg(struct xdp_rxq_info *rxq, struct net_device *dev)
{
	return xdp_rxq_info_reg(rxq, dev, 0, 0);
}

struct bpf_net_context *tlsnic_bpf_net_ctx_set(struct bpf_net_context *ctx)
{
	return bpf_net_ctx_set(ctx);
}

void tlsnic_bpf_net_ctx_clear(struct bpf_net_context *ctx)
{
	bpf_net_ctx_clear(ctx);
}

void tlsnic_trace_xdp_exception(const struct net_device *dev, const struct bpf_prog *prog,
				u32 act)
{
	trace_xdp_exception(dev, prog, act);
}

bool tlsnic_xdp_frame_has_frags(const struct xdp_frame *frame)
{
	return xdp_frame_has_frags(frame);
}

bool tlsnic_prog_xdp_has_frags(const struct bpf_prog *prog)
{
	return prog->aux->xdp_has_frags;
}

void tlsnic_skb_metadata_set(struct sk_buff *skb, u8 len)
{
	skb_metadata_set(skb, len);
}

void tlsnic_skb_set_csum_unnecessary(struct sk_buff *skb)
{
	skb->ip_summed = CHECKSUM_UNNECESSARY;
}

void tlsnic_skb_set_dev(struct sk_buff *skb, struct net_device *dev)
{
	skb->dev = dev;
}

bool tlsnic_skb_is_gso(const struct sk_buff *skb)
{
	return skb_is_gso(skb);
}
