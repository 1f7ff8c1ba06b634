#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# BPF flow policy (port sample): two concurrent OpenSSL flows through tlsnic0, one selected and
# one not. The selected one is offloaded in both directions, the other stays on software kTLS;
# both transfers are intact, the verdicts are counted, the device without a program offloads
# both. The program's own cost per decision is measured with kernel.bpf_stats_enabled. Each
# flow carries /small (2 MiB, 8 at long scale): the device's byte count tells one flow from two.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
www_setup
expect_eq "policy at creation" "$(policy_show "$NS_A" tlsnic0)" none
bpf_load port
"$POLICY_MAP" port "$BPFFS/port/tlsnic_ports" 4433 || fail "cannot fill tlsnic_ports"
policy_set "$NS_A" tlsnic0 "$BPFFS/port/port_policy" || fail "cannot attach port_policy"
id=$(prog_id "$BPFFS/port/port_policy")
expect_eq "policy shown" "$(policy_show "$NS_A" tlsnic0)" "$id port_policy"
sysctl -qw kernel.bpf_stats_enabled=1

declare -A s0
for c in TlsTxDevice TlsTxSw TlsRxDevice TlsRxSw; do s0[$c]=$(tls_stat "$NS_A" $c); done
enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)

# 4433 is in the map, 4434 is not; both flows run at the same time.
www_serve 4433 ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
p1=$WWW_PID
www_serve 4434 ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
p2=$WWW_PID
www_fetch 4433 small "$KTLS_CNF" /tmp/tlsnic-get1.out &
f1=$!
www_fetch 4434 small "$KTLS_CNF" /tmp/tlsnic-get2.out &
f2=$!
wait "$f1" "$f2" "$p1" "$p2" || true
www_check /tmp/tlsnic-get1.out small "selected flow"
www_check /tmp/tlsnic-get2.out small "flow not selected"

for c in TlsTxDevice TlsTxSw TlsRxDevice TlsRxSw; do
	expect_eq "$c delta" $(( $(tls_stat "$NS_A" $c) - ${s0[$c]} )) 1
done
for c in tx_tls_policy_offload tx_tls_policy_reject rx_tls_policy_offload rx_tls_policy_reject; do
	expect_eq "tlsnic0 $c" "$(ethstat "$NS_A" tlsnic0 $c)" 1
done
# Only the selected flow's /small went through the device's cipher.
enc=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - enc0 ))
expect_ge "tx_tls_encrypted_bytes" "$enc" $((SMALL_MIB * 1048576))
[ "$enc" -lt $((SMALL_MIB * 3 / 2 * 1048576)) ] || fail "tx_tls_encrypted_bytes = $enc: the unselected flow was offloaded"
# The client's device has no program: both flows offloaded there, nothing counted.
expect_eq "tlsnic1 tx_tls_policy_offload" "$(ethstat "$NS_B" tlsnic1 tx_tls_policy_offload)" 0
expect_ge "tlsnic1 rx_tls_ctx" "$(ethstat "$NS_B" tlsnic1 rx_tls_ctx)" 2

# Per-decision cost of the program (BPF's own accounting of this program's runs).
read -r cnt ns < <(bpftool prog show id "$id" | sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\2 \1/p')
expect_eq "program runs" "$cnt" 4
note "policy program: $cnt runs, $((ns / cnt)) ns per decision (debug kernel)"
sysctl -qw kernel.bpf_stats_enabled=0

# Detached: every eligible flow is offloaded again, nothing counted.
policy_set "$NS_A" tlsnic0 none || fail "cannot detach"
expect_eq "policy after detach" "$(policy_show "$NS_A" tlsnic0)" none
d0=$(tls_stat "$NS_A" TlsTxDevice)
www_serve 4434 ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
www_fetch 4434 small "$KTLS_CNF" /tmp/tlsnic-get2.out
wait "$WWW_PID" || true
www_check /tmp/tlsnic-get2.out small "after detach"
expect_eq "TlsTxDevice delta after detach" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 1
expect_eq "tx_tls_policy_reject after detach" "$(ethstat "$NS_A" tlsnic0 tx_tls_policy_reject)" 1

live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
rm -rf "${BPFFS:?}/port"
