#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# In the guest (scripts/profile.sh): one bulk TLS transfer per path over a tlsnic pair, sampled
# by perf on every CPU. The server in namespace A sends, the client in B receives (as in
# scripts/guest/bench.sh), so TX paths change A's device and RX paths change B's. The small_*
# paths are the bench's small transfers instead (ktls-soak: flows of 1 KiB up and 10 KiB back,
# 20 open at a time; client in A on CPU 0, server in B on CPU 1), with nothing or everything
# offloaded: CPU is reported per flow.
set -euo pipefail
ko=${1:?usage: profile.sh path/to/tlsnic.ko OUTDIR [PATH...]}
out=${2:?usage: profile.sh path/to/tlsnic.ko OUTDIR [PATH...]}
shift 2
# sw_tx and sw_rx are the same configuration (software kTLS at both ends), profiled beside each
# offloaded direction: their difference is the run-to-run noise.
all=(sw_tx hw_tx hw_tx_soft sw_rx hw_rx hw_rx_soft small_sw small_hw)
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=("${all[@]}")
mib=${TLSNIC_PROFILE_MIB:-64}
small_flows=${TLSNIC_PROFILE_SMALL_FLOWS:-5000}
# TLSNIC_PROFILE_CPU=N runs both ends on CPU N (same-core figures); default: where the
# scheduler puts them. TLSNIC_PROFILE_IRQ=1 instead runs the server on CPU 0 and the client on
# CPU 1 with each device's receive interrupt steered to its application's CPU (the bench's
# "_irq" modes).
SERVER_CPU=${TLSNIC_PROFILE_CPU:-} CLIENT_CPU=${TLSNIC_PROFILE_CPU:-}
irq=${TLSNIC_PROFILE_IRQ:-}
[ -z "$irq" ] || [ -z "$SERVER_CPU" ] || { echo "TLSNIC_PROFILE_IRQ and TLSNIC_PROFILE_CPU exclude each other" >&2; exit 1; }
[ -z "$irq" ] || SERVER_CPU=0 CLIENT_CPU=1
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
if [ -n "$irq" ]; then
	sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/irq_cpus 0
	sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/irq_cpus 1
fi
mkcert
hz=$(getconf CLK_TCK)
summary="$out/summary.txt"
{
	echo "# tlsnic profile, $mib MiB per path, $(nproc) vCPUs, kernel $(uname -r) (TCG figures)${TLSNIC_PROFILE_CPU:+, both ends on CPU $TLSNIC_PROFILE_CPU}${irq:+, server on CPU 0 and client on CPU 1, receive interrupts steered to them}"
	echo "# cpu: guest CPU seconds per MiB over the transfer (small_*: milliseconds per flow), every CPU (user, system, softirq)"
} >"$summary"

# cpu_split N: "total user system softirq" of the jiffies between (u0 s0 q0) and (u1 s1 q1),
# divided by N.
cpu_split() {
	echo "scale=6; n=$1; u=($u1-$u0)/n; s=($s1-$s0)/n; q=($q1-$q0)/n;" \
		"print u+s+q, \" \", u, \" \", s, \" \", q, \"\\n\"" | bc
}

# report P HEADLINE: the perf report of path P into $out/P.txt, its top symbols into the summary.
report() {
	local p=$1 headline=$2
	{
		echo "# $headline"
		echo "## self time per symbol, every CPU"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort sym \
			--percent-limit 0.3 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## per command"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort comm \
			--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## per CPU and command (swapper: the CPU was idle)"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort cpu,comm \
			--percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## self time per CPU and symbol"
		perf report -i "/tmp/$p.data" --stdio --no-children -g none --sort cpu,sym \
			--percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$'
		echo "## callers of the top symbols"
		perf report -i "/tmp/$p.data" --stdio --no-children -g graph,2,callee --sort sym \
			--percent-limit 5 2>&1 | grep -v '^#' | grep -v '^$' | sed -n 1,300p
	} >"$out/$p.txt"
	rm -f "/tmp/$p.data"
	{
		echo "$headline"
		sed -n '/^## self time/,/^## per command/p' "$out/$p.txt" | sed '1d;$d' | sed -n 1,15p
	} >>"$summary"
}

# small P OFFLOAD: $small_flows small transfers, TX and RX offload OFFLOAD on both devices.
SOAK=$SAMPLES/tests/ktls-soak
small() {
	local p=$1 offload=$2 spid line ctx0 ctx
	engines_set kcrypto
	in_a ethtool -K tlsnic0 tls-hw-tx-offload "$offload" tls-hw-rx-offload "$offload"
	in_b ethtool -K tlsnic1 tls-hw-tx-offload "$offload" tls-hw-rx-offload "$offload"
	ctx0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
	"$NSPROBE" exec "$NS_B" taskset -c 1 "$SOAK" server -p "$TLSPORT" --flows "$small_flows" \
		--reply 10240 >/tmp/tlsnic-soak-server.log 2>&1 &
	spid=$!
	wait_listen "$NS_B" "$TLSPORT"
	read -r u0 s0 q0 < <(cpu_jiffies)
	perf record -q -N -a -g -e cpu-clock -F 499 -o "/tmp/$p.data" -- \
		"$NSPROBE" exec "$NS_A" taskset -c 0 "$SOAK" client "$B4" -p "$TLSPORT" \
		--flows "$small_flows" --batch 20 --reply 10240 >/tmp/tlsnic-soak.log 2>/tmp/perf.log ||
		{ cat /tmp/perf.log /tmp/tlsnic-soak.log >&2; fail "$p: small transfers failed"; }
	read -r u1 s1 q1 < <(cpu_jiffies)
	wait "$spid" || { cat /tmp/tlsnic-soak-server.log >&2; fail "$p: soak server failed"; }
	line=$(grep '^soak flows=' /tmp/tlsnic-soak.log) || fail "$p: no summary from the client"
	# The client's device set up every flow's transmit context, or none.
	ctx=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - ctx0 ))
	case $offload in
	on) [ "$ctx" = "$small_flows" ] || fail "$p: $ctx of $small_flows flows offloaded" ;;
	*) [ "$ctx" = 0 ] || fail "$p: $ctx flows offloaded on a software path" ;;
	esac
	# Milliseconds per flow.
	read -r ct cu cs cq < <(cpu_split "$small_flows * $hz / 1000")
	report "$p" "$p: ${line#soak }; cpu $ct ms/flow (user $cu, system $cs, softirq $cq), every CPU"
	note "$p: ${line##* }, cpu $ct ms/flow"
}

for p in "${paths[@]}"; do
	tx=off rx=off engine=kcrypto
	case "$p" in
	small_sw) small "$p" off; continue ;;
	small_hw) small "$p" on; continue ;;
	sw_tx) ;;
	hw_tx) tx=on ;;
	hw_tx_soft) tx=on engine=soft ;;
	sw_rx) ;;
	hw_rx) rx=on ;;
	hw_rx_soft) rx=on engine=soft ;;
	*) fail "unknown path $p (paths: ${all[*]})" ;;
	esac
	engines_set "$engine"
	# The reverse directions stay in software (a small_* path may have turned them on).
	in_a ethtool -K tlsnic0 tls-hw-tx-offload "$tx" tls-hw-rx-offload off
	in_b ethtool -K tlsnic1 tls-hw-tx-offload off tls-hw-rx-offload "$rx"
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
	# Seconds per MiB.
	read -r ct cu cs cq < <(cpu_split "$hz * $mib")
	report "$p" "$p: $mbps MB/s, cpu $ct s/MiB (user $cu, system $cs, softirq $cq), device bytes tx $dtx rx $drx"
	note "$p: $mbps MB/s, cpu $ct s/MiB"
done
cat "$summary"
cleanup_netns
rmmod tlsnic
