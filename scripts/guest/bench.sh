#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks inside one guest run (so only ratios between paths are meaningful under TCG).
#   TCP throughput over a tlsnic pair vs a veth pair, each end in its own namespace.
set -euo pipefail
ko=${1:?usage: bench.sh path/to/tlsnic.ko}
secs=${TLSNIC_BENCH_SECS:-8}
rounds=${TLSNIC_BENCH_ROUNDS:-3}
export TLSNIC_KO=$ko
. "$(dirname "$0")/../../tests/guest/lib.sh"

# throughput: one iperf3 run from A to B, prints Mbit/s at the receiver.
throughput() {
	in_b iperf3 -s -1 -p "$PORT" >/dev/null 2>&1 &
	retry 50 listening "$NS_B" "$PORT"
	in_a iperf3 -c "$B4" -p "$PORT" -t "$secs" -f m | awk '/receiver/ {print $7}'
	wait
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

res_t=() res_v=()
for r in $(seq "$rounds"); do
	# Alternate the two paths so drift in the emulator affects both alike.
	insmod "$ko"
	netns_pair tlsnic0 tlsnic1
	res_t+=("$(throughput)")
	cleanup_netns
	rmmod tlsnic
	ip link add vb0 type veth peer name vb1
	netns_pair vb0 vb1
	res_v+=("$(throughput)")
	cleanup_netns
	echo "# round $r: tlsnic ${res_t[-1]} Mbit/s, veth ${res_v[-1]} Mbit/s" >&2
done
mt=$(printf '%s\n' "${res_t[@]}" | median)
mv=$(printf '%s\n' "${res_v[@]}" | median)
echo "tcp_tlsnic_mbps=$mt"
echo "tcp_veth_mbps=$mv"
echo "tcp_tlsnic_vs_veth=$(echo "scale=3; $mt / $mv" | bc)"
