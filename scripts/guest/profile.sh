#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# In the guest (scripts/profile.sh): one bulk TLS transfer per path over a tlsnic pair, sampled
# by perf on every CPU. The server in namespace A sends, the client in B receives (as in
# scripts/guest/bench.sh), so TX paths change A's device and RX paths change B's.
set -euo pipefail
ko=${1:?usage: profile.sh path/to/tlsnic.ko OUTDIR [PATH...]}
out=${2:?usage: profile.sh path/to/tlsnic.ko OUTDIR [PATH...]}
shift 2
# sw_tx and sw_rx are the same configuration (software kTLS at both ends), profiled beside each
# offloaded direction: their difference is the run-to-run noise.
all=(sw_tx hw_tx hw_tx_soft sw_rx hw_rx hw_rx_soft)
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=("${all[@]}")
mib=${TLSNIC_PROFILE_MIB:-64}
# TLSNIC_PROFILE_CPU=N runs both ends on CPU N (same-core figures); default: where the
# scheduler puts them.
SERVER_CPU=${TLSNIC_PROFILE_CPU:-} CLIENT_CPU=${TLSNIC_PROFILE_CPU:-}
export TLSNIC_KO=$ko
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../../tests/guest/lib.sh"

command -v perf >/dev/null || fail "perf not found (scripts/setup.sh installs linux-perf)"
sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1

# cpu_jiffies: user system softirq (all CPUs, USER_HZ ticks; user includes nice, system irq).
cpu_jiffies() {
	local _cpu u n s _idle _iow irq sirq _rest
	read -r _cpu u n s _idle _iow irq sirq _rest </proc/stat
	echo "$((u + n)) $((s + irq)) $sirq"
}

insmod "$ko"
netns_pair tlsnic0 tlsnic1
mkcert
hz=$(getconf CLK_TCK)
summary="$out/summary.txt"
{
	echo "# tlsnic profile, $mib MiB per path, $(nproc) vCPUs, kernel $(uname -r) (TCG figures)${SERVER_CPU:+, both ends on CPU $SERVER_CPU}"
	echo "# cpu: guest CPU seconds per MiB over the transfer, every CPU (user, system, softirq)"
} >"$summary"

for p in "${paths[@]}"; do
	tx=off rx=off engine=kcrypto
	case "$p" in
	sw_tx) ;;
	hw_tx) tx=on ;;
	hw_tx_soft) tx=on engine=soft ;;
	sw_rx) ;;
	hw_rx) rx=on ;;
	hw_rx_soft) rx=on engine=soft ;;
	*) fail "unknown path $p (paths: ${all[*]})" ;;
	esac
	engines_set "$engine"
	in_a ethtool -K tlsnic0 tls-hw-tx-offload "$tx"
	in_b ethtool -K tlsnic1 tls-hw-rx-offload "$rx"
	dev0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	dev1=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	tls_server "$NS_A" --bytes $((mib * 1048576)) --cipher ECDHE-ECDSA-AES128-GCM-SHA256
	read -r u0 s0 q0 < <(cpu_jiffies)
	perf record -q -N -a -g -e cpu-clock -F 499 -o "/tmp/$p.data" -- \
		${CLIENT_CPU:+taskset -c "$CLIENT_CPU"} "$NSPROBE" exec "$NS_B" "$TLSTOOL" client "$A4" -p "$TLSPORT" \
		--bytes $((mib * 1048576)) >/tmp/tlsnic-client.log 2>/tmp/perf.log ||
		{ cat /tmp/perf.log /tmp/tlsnic-client.log /tmp/tlsnic-server.log >&2; fail "$p: transfer failed"; }
	read -r u1 s1 q1 < <(cpu_jiffies)
	wait "$SERVER_PID" || { cat /tmp/tlsnic-server.log >&2; fail "$p: server failed"; }
	mbps=$(awk '/ ok / {print $(NF - 1)}' /tmp/tlsnic-client.log)
	# The device must have done the path's work, and nothing else.
	dtx=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - dev0 ))
	drx=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dev1 ))
	case "$tx$rx" in
	onoff) [ "$dtx" -ge $((mib * 1048576)) ] || fail "$p: device encrypted only $dtx bytes" ;;
	offon) [ "$drx" -ge $((mib * 1048576 * 9 / 10)) ] || fail "$p: device decrypted only $drx bytes" ;;
	*) [ "$((dtx + drx))" = 0 ] || fail "$p: device worked on a software path" ;;
	esac
	cpu=$(echo "scale=4; u=($u1-$u0)/$hz/$mib; s=($s1-$s0)/$hz/$mib; q=($q1-$q0)/$hz/$mib;" \
		"print u+s+q, \" \", u, \" \", s, \" \", q" | bc)
	read -r ct cu cs cq <<<"$cpu"
	{
		echo "# $p: $mbps MB/s, cpu $ct s/MiB (user $cu, system $cs, softirq $cq)," \
			"device bytes tx $dtx rx $drx"
		echo "## self time per symbol, every CPU"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort sym \
			--percent-limit 0.3 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## per command"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort comm \
			--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## per CPU and command (swapper: the CPU was idle)"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort cpu,comm \
			--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## callers of the top symbols"
		perf report -i "/tmp/$p.data" --stdio --no-children -g graph,2,callee --sort sym \
			--percent-limit 5 2>&1 | grep -v '^#' | grep -v '^$' | sed -n 1,300p
	} >"$out/$p.txt"
	rm -f "/tmp/$p.data"
	{
		echo "$p: $mbps MB/s, cpu $ct s/MiB (user $cu, system $cs, softirq $cq)"
		sed -n '/^## self time/,/^## per command/p' "$out/$p.txt" | sed '1d;$d' | sed -n 1,15p
	} >>"$summary"
	note "$p: $mbps MB/s, cpu $ct s/MiB"
done
cat "$summary"
cleanup_netns
rmmod tlsnic
