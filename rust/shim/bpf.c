// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: running a BPF program (include/linux/filter.h, bpf.h).
 * Included by tlsnic_shim.c.
 */

void tlsnic_migrate_disable(void)
{
	migrate_disable();
}

void tlsnic_migrate_enable(void)
{
	migrate_enable();
}

struct bpf_run_ctx *tlsnic_bpf_set_run_ctx(struct bpf_run_ctx *ctx)
{
	return bpf_set_run_ctx(ctx);
}

void tlsnic_bpf_reset_run_ctx(struct bpf_run_ctx *old)
{
	bpf_reset_run_ctx(old);
}

u32 tlsnic_bpf_prog_run(const struct bpf_prog *prog, const void *ctx)
{
	return bpf_prog_run(prog, ctx);
}
