// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: BPF flow policy programs.
 * Included by tlsnic_shim.c.
 */

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
