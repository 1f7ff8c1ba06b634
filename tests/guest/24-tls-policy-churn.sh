#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BPF flow policy control: bad attach inputs get clean errors and leave the current program;
# the program is replaced and detached in a loop while flows start, each flow ending up on
# exactly one path (device or software) as decided, every transfer verified; deleting the
# device, its namespace or the module with a program attached releases the program.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
bpf_load port
bpf_load proc
bpf_load sni
"$POLICY_MAP" port "$BPFFS/port/tlsnic_ports" "$TLSPORT" || fail "cannot fill tlsnic_ports"
bpftool prog load "$SAMPLES/bpf-tests/storage.bpf.o" "$BPFFS/storage" || fail "cannot load storage"
policy_set "$NS_A" tlsnic0 "$BPFFS/port/port_policy" || fail "cannot attach port_policy"
shown=$(policy_show "$NS_A" tlsnic0)

# bad TEXT ERROR: writing TEXT (in one write(2), as shells split writes at newlines) fails with
# ERROR (strerror) and leaves the program in place.
bad() {
	local err
	if err=$(sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/policy "$1"); then
		fail "accepted '${1:0:40}'"
	fi
	case $err in
	*"$2"*) ;;
	*) fail "'${1:0:40}': '$err', expected '$2'" ;;
	esac
	expect_eq "policy after '${1:0:40}'" "$(policy_show "$NS_A" tlsnic0)" "$shown"
}
echo "not a program" >/tmp/tlsnic-notbpf
bad "$BPFFS/missing" "No such file or directory"
bad /tmp/tlsnic-notbpf "Permission denied"
bad "$BPFFS/port" "Permission denied"
bad "$BPFFS/port/tlsnic_ports" "Invalid argument"
bad "$BPFFS/sni/sni_ingress" "Invalid argument"
bad "$BPFFS/storage" "Invalid argument"
bad "relative/path" "Invalid argument"
bad "$BPFFS/port/port_policy
$BPFFS/port/port_policy" "Invalid argument"
bad "$(printf '/%.0s' {1..4096})" "File name too long"
note "bad inputs refused; policy still '$shown'"

# Replace (selecting / refusing everything) and detach in a loop while flows start: 6 rounds of
# 16 concurrent flows. port_policy offloads them (their local port is in the map), proc_policy
# (empty maps) refuses them, without a program they are offloaded.
declare -A s0
for c in TlsTxDevice TlsTxSw; do s0[$c]=$(tls_stat "$NS_A" $c); done
o0=$(ethstat "$NS_A" tlsnic0 tx_tls_policy_offload)
r0=$(ethstat "$NS_A" tlsnic0 tx_tls_policy_reject)
rm -f /tmp/tlsnic-churn-stop
(
	n=0
	while [ ! -e /tmp/tlsnic-churn-stop ]; do
		for p in "$BPFFS/port/port_policy" "$BPFFS/proc/proc_policy" none; do
			policy_set "$NS_A" tlsnic0 "$p" || { echo "attach $p failed" >&2; exit 1; }
			n=$((n + 1))
		done
	done
	echo "$n" >/tmp/tlsnic-churn-count
) &
churn=$!
for round in 1 2 3 4 5 6; do
	tls_server "$NS_A" --conns 16 --bytes 131072 --wsize 1000-16384
	tls_client "$NS_B" "$A4" --conns 16 --bytes 131072
	[ "$(grep -c ' ok 131072 ' /tmp/tlsnic-client.log)" = 16 ] || fail "round $round: not 16 verified flows"
done
touch /tmp/tlsnic-churn-stop
wait "$churn" || fail "policy churn failed"
swaps=$(</tmp/tlsnic-churn-count)
dev=$(( $(tls_stat "$NS_A" TlsTxDevice) - s0[TlsTxDevice] ))
sw=$(( $(tls_stat "$NS_A" TlsTxSw) - s0[TlsTxSw] ))
off=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_policy_offload) - o0 ))
rej=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_policy_reject) - r0 ))
note "churn: $swaps policy writes; 96 flows: $dev offloaded ($off by the program), $sw software ($rej refused)"
expect_ge "policy writes during the flows" "$swaps" 10
expect_eq "flows on one path each" $((dev + sw)) 96
expect_eq "software flows = refused flows" "$sw" "$rej"
[ "$off" -le "$dev" ] || fail "more offload verdicts ($off) than offloaded flows ($dev)"
expect_ge "flows decided by a program" $((off + rej)) 1
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1

# attach_unpinned NS DEV: attach a fresh copy of port_policy to DEV and remove its pin, so that
# tlsnic holds the only reference; prints the program id.
attach_unpinned() {
	local pin=$BPFFS/held-$2-$RANDOM id
	bpftool prog load "$BPF_OBJ/policy_port.bpf.o" "$pin" || fail "cannot load a copy"
	id=$(prog_id "$pin")
	policy_set "$1" "$2" "$pin" || fail "cannot attach to $2"
	rm -f "$pin"
	bpftool prog show id "$id" >/dev/null || fail "program $id gone while attached"
	echo "$id"
}
# released ID WHAT: the program is freed (after an RCU grace period).
released() {
	local rid=$1
	wait_until 50 '! bpftool prog show id "$rid" >/dev/null 2>&1' || fail "$2: program $rid not released"
}

# The device goes with its namespace.
id=$(attach_unpinned "$NS_A" tlsnic0)
ip netns del "$NS_A"
released "$id" "netns deleted"
cleanup_netns
unload

# `ip link del` releases the programs of both ends of a created pair.
load
ip link add tlsx type tlsnic || fail "ip link add"
idx=$(attach_unpinned "" tlsx)
idp=$(attach_unpinned "" tlsx-p)
ip link del tlsx
released "$idx" "link deleted"
released "$idp" "peer deleted with the link"

# The module goes with programs attached to both ends of its pair.
id0=$(attach_unpinned "" tlsnic0)
id1=$(attach_unpinned "" tlsnic1)
unload || fail "rmmod with programs attached"
released "$id0" "module removed"
released "$id1" "module removed"
rm -rf "${BPFFS:?}/port" "${BPFFS:?}/proc" "${BPFFS:?}/sni" "${BPFFS:?}/storage" /tmp/tlsnic-notbpf
