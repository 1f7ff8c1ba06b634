#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The process/cgroup and SNI policy samples, each as documented in samples/bpf: a flow of a
# selected process, cgroup or server name is offloaded, the others stay on software kTLS, every
# transfer intact.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
www_setup

# get WHAT SERVERNAME WANT_DEVICE: one GET of /small (server in NS_A, wrapped by $WWW_WRAP); the
# server's TX and RX are offloaded iff WANT_DEVICE is 1.
get() {
	local what=$1 sni=$2 want=$3 tx0 rx0 sw0
	tx0=$(tls_stat "$NS_A" TlsTxDevice)
	rx0=$(tls_stat "$NS_A" TlsRxDevice)
	sw0=$(tls_stat "$NS_A" TlsTxSw)
	www_serve "$TLSPORT" ECDHE-ECDSA-AES256-GCM-SHA384 "$KTLS_CNF"
	www_fetch "$TLSPORT" small "$KTLS_CNF" /tmp/tlsnic-get.out "$sni"
	wait "$WWW_PID" || true
	www_check /tmp/tlsnic-get.out small "$what"
	expect_eq "$what: TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - tx0 )) "$want"
	expect_eq "$what: TlsRxDevice delta" $(( $(tls_stat "$NS_A" TlsRxDevice) - rx0 )) "$want"
	expect_eq "$what: TlsTxSw delta" $(( $(tls_stat "$NS_A" TlsTxSw) - sw0 )) $((1 - want))
}

# --- policy_proc: by command name, then by cgroup -------------------------------------------
bpf_load proc
policy_set "$NS_A" tlsnic0 "$BPFFS/proc/proc_policy" || fail "cannot attach proc_policy"
cp "$(command -v openssl)" /tmp/ossl-offload
"$POLICY_MAP" comm "$BPFFS/proc/tlsnic_comms" ossl-offload || fail "cannot fill tlsnic_comms"
WWW_OPENSSL=/tmp/ossl-offload get "comm ossl-offload" tlsnic.test 1
get "comm openssl" tlsnic.test 0

# cgroup v2: a server in (a child of) the listed cgroup is selected, one outside is not. The
# hierarchy is mounted outside /sys, which `nsprobe exec` (like `ip netns exec`) replaces. The
# cgroups are made inside the test's own (the runner's TLSNIC_TEST_CG), so that its cleanup
# reaches them.
mnt=/tmp/tlsnic-cgroup
mkdir -p "$mnt"
mountpoint -q "$mnt" || mount -t cgroup2 none "$mnt" || fail "cannot mount cgroup2"
read -r cgline </proc/self/cgroup
CG=$mnt${cgline#0::}
mkdir -p "$CG/tlsnic-offload/web" "$CG/tlsnic-other"
"$POLICY_MAP" cgroup "$BPFFS/proc/tlsnic_cgroups" "$CG/tlsnic-offload" || fail "cannot fill tlsnic_cgroups"
cat >/tmp/tlsnic-cgexec <<'SH'
#!/bin/sh
# tlsnic-cgexec DIR CMD...: run CMD in cgroup DIR
echo $$ >"$1/cgroup.procs" || exit 1
shift
exec "$@"
SH
chmod +x /tmp/tlsnic-cgexec
WWW_WRAP="/tmp/tlsnic-cgexec $CG/tlsnic-offload/web" get "cgroup tlsnic-offload/web" tlsnic.test 1
WWW_WRAP="/tmp/tlsnic-cgexec $CG/tlsnic-other" get "cgroup tlsnic-other" tlsnic.test 0
expect_eq "tx_tls_policy_offload" "$(ethstat "$NS_A" tlsnic0 tx_tls_policy_offload)" 2
expect_eq "tx_tls_policy_reject" "$(ethstat "$NS_A" tlsnic0 tx_tls_policy_reject)" 2
rmdir "$CG/tlsnic-offload/web" "$CG/tlsnic-offload" "$CG/tlsnic-other"
umount "$mnt"

# --- policy_sni: server side (ingress ClientHello) and client side (egress) -------------------
bpf_load sni
"$POLICY_MAP" sni "$BPFFS/sni/sni_allow" Allowed.Example || fail "cannot fill sni_allow"
for side in "$NS_A tlsnic0 ingress" "$NS_B tlsnic1 egress"; do
	set -- $side
	"$NSPROBE" exec "$1" tc qdisc add dev "$2" clsact || fail "tc qdisc"
	"$NSPROBE" exec "$1" tc filter add dev "$2" "$3" bpf direct-action \
		object-pinned "$BPFFS/sni/sni_$3" || fail "tc filter $3 on $2"
	policy_set "$1" "$2" "$BPFFS/sni/sni_policy" || fail "cannot attach sni_policy to $2"
done
c0=$(ethstat "$NS_B" tlsnic1 tx_tls_policy_offload)
r0=$(ethstat "$NS_B" tlsnic1 tx_tls_policy_reject)
get "SNI allowed.example" allowed.example 1
expect_eq "client side offloaded (allowed.example)" $(( $(ethstat "$NS_B" tlsnic1 tx_tls_policy_offload) - c0 )) 1
get "SNI other.example" other.example 0
expect_eq "client side refused (other.example)" $(( $(ethstat "$NS_B" tlsnic1 tx_tls_policy_reject) - r0 )) 1
# Both names were recorded by both sides (the server saw them arrive, the client send them).
names=$(bpftool map dump pinned "$BPFFS/sni/sni_flows" | grep -c '"name"' || true)
expect_eq "connections recorded" "$names" 4
bpftool map dump pinned "$BPFFS/sni/sni_flows" | grep -q '"other.example"' ||
	fail "other.example not recorded"

live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
rm -rf "${BPFFS:?}/proc" "${BPFFS:?}/sni" /tmp/ossl-offload
