#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks inside one guest run (only ratios between paths are meaningful under TCG):
#   1. TCP throughput over a tlsnic pair vs a veth pair.
#   2. TLS bulk send over the pair: userspace OpenSSL, software kTLS (write, sendfile), tlsnic
#      TX offload (write, sendfile, sendfile with TLS_TX_ZEROCOPY_RO, and write with the
#      sender's crypto block on the receiver's CPU, cpus=1). The receiver is the same in every
#      case (OpenSSL with software kTLS RX); the sender path is what changes. Then software kTLS
#      and TX offload (write) with each device's receive interrupt steered to its own
#      application's CPU (irq_cpus: tlsnic0 on CPU 0, tlsnic1 on CPU 1; "_irq" modes: write,
#      sendfile and, offloaded, zerocopy sendfile).
#   3. TLS bulk receive: the sender is the same in every case (OpenSSL, software kTLS write);
#      the receiver decrypts in userspace OpenSSL, in software kTLS, or tlsnic RX offload
#      decrypts (inline, or with the receiver's crypto block on the sender's CPU, cpus=0).
#      Plus both ends offloaded (TX on the sender, RX on the receiver), inline and with each
#      device's block on the other end's CPU. Then software kTLS, RX offload and both ends
#      offloaded with the interrupts steered as in 2.
#   4. BPF flow policy: the cost of one decision (kernel.bpf_stats_enabled accounting) for the
#      port and SNI samples over 64 flows each.
#   5. Crypto engines: TX offload (software kTLS receiver) and RX offload (software kTLS
#      sender) on each engine, soft and kcrypto; and the asynchronous path (cryptd around the
#      generic gcm) against the same generic gcm called synchronously. Half the transfer size.
#   6. Small transfers: many short flows (tests/ktls/ktls-soak: connect, kTLS set up both ways
#      with raw setsockopt, no handshake, a 1 KiB message up and a 10 KiB reply down, 20 flows
#      open at a time), offloaded both ways on both devices against software kTLS: flows per
#      second and the flow setup time (connect until kTLS is set up both ways; with offload on
#      that includes tls_dev_add for TX and RX on the client's device); offloaded again with the
#      client's crypto block on the client's CPU (cpus=0), so that the replies are decrypted
#      there rather than inline in the server's transmit, on the server's CPU; and offloaded
#      with the interrupts steered as in 2.
#   7. Tracepoints: both ends offloaded (TX and RX), half the transfer size, with and without a
#      bpftrace program attached to every tlsnic:* tracepoint (the events fire per flow and on
#      the slow paths, never per record): rounds without it, then with it, then without it
#      again (bpftrace compiles once, for a minute).
# Every TLS transfer runs its sender (the server, namespace A) on CPU 0 and its receiver (the
# client, namespace B) on CPU 1; each mode reports its throughput (MB/s at the receiver) and
# the CPU time spent on each of the two CPUs per MiB moved (user, nice, system, irq, softirq, from
# /proc/stat), medians of the rounds. The in-guest limit is `openssl speed -evp aes-128-gcm`
# on one CPU, and each mode also reads as a fraction of it. A mode whose rounds spread by more
# than 15% of their median gets a WARNING line: its ratios do not mean much.
set -euo pipefail
ko=${1:?usage: bench.sh path/to/tlsnic.ko}
secs=${TLSNIC_BENCH_SECS:-8}
rounds=${TLSNIC_BENCH_ROUNDS:-3}
mib=${TLSNIC_BENCH_MIB:-128}
small_flows=${TLSNIC_BENCH_SMALL_FLOWS:-1000}
export TLSNIC_KO=$ko
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../../tests/guest/lib.sh"

# throughput: one iperf3 run from A to B, prints Mbit/s at the receiver.
throughput() {
	in_b iperf3 -s -1 -p "$PORT" >/dev/null 2>&1 &
	retry 50 listening "$NS_B" "$PORT"
	in_a iperf3 -c "$B4" -p "$PORT" -t "$secs" -f m | awk '/receiver/ {print $7}'
	wait
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ratio() { echo "scale=3; $1 / $2" | bc; }
# spread: (max - min) / median of the numbers on stdin.
spread() { sort -n | awk '{v[NR] = $1} END {m = v[int((NR + 1) / 2)]; printf "%.3f\n", m ? (v[NR] - v[1]) / m : 0}'; }

# The emulated CPU's own AES-GCM speed, one CPU, 16 KiB buffers (MB/s).
limit=$(taskset -c 1 openssl speed -mr -evp aes-128-gcm -seconds 3 -bytes 16384 2>/dev/null |
	awk -F: '/^\+F:/ {printf "%.1f\n", $4 / 1000000}') || limit=
if [ -n "$limit" ]; then
	echo "cpu_limit_aes128gcm_MBps=$limit"
else
	echo "# WARNING: openssl speed gave no figure; no fraction of the limit is reported" >&2
fi

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
echo "tcp_tlsnic_vs_veth=$(ratio "$mt" "$mv")"

# cpus_busy: busy jiffies of CPU 0 and CPU 1 (user, nice, system, irq, softirq).
cpus_busy() {
	local name u n s _idle _iow irq sirq _rest out=()
	while read -r name u n s _idle _iow irq sirq _rest; do
		case $name in cpu0|cpu1) out+=($((u + n + s + irq + sirq))) ;; esac
	done </proc/stat
	echo "${out[@]}"
}
hz=$(getconf CLK_TCK)
SERVER_CPU=0 CLIENT_CPU=1

# tls_run MODE OFFLOAD [SERVER_ARG...]: one transfer of $mib MiB; its MB/s into res[MODE], the
# CPU seconds per MiB of the sender's and the receiver's CPU into cpu_s[MODE] and cpu_r[MODE].
# TX offload on the sender as asked, RX offload on the receiver as $rx_offload says, client
# options in $client_opts.
rx_offload=off
client_opts=
tls_run() {
	local mode=$1 offload=$2 s0 r0 s1 r1; shift 2
	in_a ethtool -K tlsnic0 tls-hw-tx-offload "$offload"
	in_b ethtool -K tlsnic1 tls-hw-rx-offload "$rx_offload"
	tls_server "$NS_A" --bytes $((mib * 1048576)) --cipher ECDHE-ECDSA-AES128-GCM-SHA256 "$@"
	read -r s0 r0 < <(cpus_busy)
	# shellcheck disable=SC2086
	tls_client "$NS_B" "$A4" --bytes $((mib * 1048576)) $client_opts
	read -r s1 r1 < <(cpus_busy)
	res[$mode]+="$(awk '/ ok / {print $(NF - 1)}' /tmp/tlsnic-client.log) "
	cpu_s[$mode]+="$(echo "scale=4; ($s1 - $s0) / $hz / $mib" | bc) "
	cpu_r[$mode]+="$(echo "scale=4; ($r1 - $r0) / $hz / $mib" | bc) "
}

# round_line R MODES...: the latest result of each mode, for the log.
round_line() {
	local r=$1 m; shift
	echo "# round $r (MB/s): $(for m in "$@"; do printf '%s=%s ' "$m" "$(echo ${res[$m]} | awk '{print $NF}')"; done)" >&2
}

# medians MODES...: each mode's median throughput into med[], printed with its CPU time per MiB
# on each end, its fraction of the in-guest AES-GCM limit and a warning if its rounds spread.
medians() {
	local m
	for m in "$@"; do
		med[$m]=$(printf '%s\n' ${res[$m]} | median)
		echo "tls_${m}_MBps=${med[$m]}"
		echo "tls_${m}_sender_cpu_s_per_MiB=$(printf '%s\n' ${cpu_s[$m]} | median)"
		echo "tls_${m}_receiver_cpu_s_per_MiB=$(printf '%s\n' ${cpu_r[$m]} | median)"
		[ -z "$limit" ] || echo "tls_${m}_of_limit=$(ratio "${med[$m]}" "$limit")"
		spread_check "$m" MB/s
	done
}

# spread_check MODE UNIT: MODE's round-to-round spread, and a warning if it is over 15%.
spread_check() {
	local sp
	sp=$(printf '%s\n' ${res[$1]} | spread)
	echo "tls_${1}_spread=$sp"
	if [ "$(echo "$sp > 0.15" | bc)" = 1 ]; then
		echo "# WARNING: $1 spread $sp over its rounds (${res[$1]}$2): a busy host?" >&2
		echo "warning_spread_${1}=$sp"
	fi
}

# place A B: tlsnic0's crypto block on CPU A, tlsnic1's on CPU B ("-": inline); kcrypto.
place() {
	local e0=kcrypto e1=kcrypto
	[ "$1" = - ] || e0="kcrypto cpus=$1"
	[ "$2" = - ] || e1="kcrypto cpus=$2"
	sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/engine "$e0" >&2
	sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/engine "$e1" >&2
}

# steer A B: tlsnic0's receive interrupt on CPU A, tlsnic1's on CPU B ("none": inline).
steer() {
	sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/irq_cpus "$1" >&2
	sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/irq_cpus "$2" >&2
}

insmod "$ko"
netns_pair tlsnic0 tlsnic1
mkcert
declare -A res med cpu_s cpu_r
modes=(user sw_write sw_sendfile hw_write hw_sendfile hw_sendfile_zc hw_write_block sw_write_irq
	hw_write_irq sw_sendfile_irq hw_sendfile_irq hw_sendfile_zc_irq)
for r in $(seq "$rounds"); do
	tls_run user off --no-ktls
	tls_run sw_write off
	tls_run sw_sendfile off --sendfile
	tls_run hw_write on
	tls_run hw_sendfile on --sendfile
	tls_run hw_sendfile_zc on --sendfile --zerocopy
	place 1 -
	tls_run hw_write_block on
	place - -
	steer 0 1
	tls_run sw_write_irq off
	tls_run hw_write_irq on
	tls_run sw_sendfile_irq off --sendfile
	tls_run hw_sendfile_irq on --sendfile
	tls_run hw_sendfile_zc_irq on --sendfile --zerocopy
	steer none none
	round_line "$r" "${modes[@]}"
done
medians "${modes[@]}"
echo "tls_hw_write_vs_sw_write=$(ratio "${med[hw_write]}" "${med[sw_write]}")"
echo "tls_hw_sendfile_vs_sw_sendfile=$(ratio "${med[hw_sendfile]}" "${med[sw_sendfile]}")"
echo "tls_hw_sendfile_zc_vs_sw_sendfile=$(ratio "${med[hw_sendfile_zc]}" "${med[sw_sendfile]}")"
echo "tls_hw_write_block_vs_sw_write=$(ratio "${med[hw_write_block]}" "${med[sw_write]}")"
echo "tls_hw_write_block_sender_cpu_vs_sw=$(ratio "$(printf '%s\n' ${cpu_s[hw_write_block]} | median)" "$(printf '%s\n' ${cpu_s[sw_write]} | median)")"
echo "tls_hw_write_irq_vs_sw_write=$(ratio "${med[hw_write_irq]}" "${med[sw_write]}")"
echo "tls_hw_write_irq_vs_sw_write_irq=$(ratio "${med[hw_write_irq]}" "${med[sw_write_irq]}")"
echo "tls_hw_sendfile_irq_vs_sw_sendfile=$(ratio "${med[hw_sendfile_irq]}" "${med[sw_sendfile]}")"
echo "tls_hw_sendfile_irq_vs_sw_sendfile_irq=$(ratio "${med[hw_sendfile_irq]}" "${med[sw_sendfile_irq]}")"
echo "tls_hw_sendfile_zc_irq_vs_sw_sendfile=$(ratio "${med[hw_sendfile_zc_irq]}" "${med[sw_sendfile]}")"
echo "tls_hw_sendfile_zc_irq_vs_sw_sendfile_irq=$(ratio "${med[hw_sendfile_zc_irq]}" "${med[sw_sendfile_irq]}")"
echo "tls_hw_write_vs_userspace=$(ratio "${med[hw_write]}" "${med[user]}")"
echo "tls_sw_write_vs_userspace=$(ratio "${med[sw_write]}" "${med[user]}")"
# Only the offloaded runs touch the device's counters.
enc=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
cip=$(ethstat "$NS_A" tlsnic0 tx_tls_cipher_bytes)
echo "tls_cipher_bytes_per_payload_byte=$(echo "scale=4; $cip / $enc" | bc)"

# Receive side: same sender (software kTLS write), three receivers; then both ends offloaded.
rmodes=(rx_user rx_sw rx_hw txrx_hw rx_hw_block txrx_hw_block rx_sw_irq rx_hw_irq txrx_hw_irq)
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
for r in $(seq "$rounds"); do
	rx_offload=off client_opts=--no-ktls
	tls_run rx_user off
	rx_offload=off client_opts=
	tls_run rx_sw off
	rx_offload=on
	tls_run rx_hw off
	tls_run txrx_hw on
	place - 0
	tls_run rx_hw_block off
	place 1 0
	tls_run txrx_hw_block on
	place - -
	steer 0 1
	rx_offload=off
	tls_run rx_sw_irq off
	rx_offload=on
	tls_run rx_hw_irq off
	tls_run txrx_hw_irq on
	steer none none
	round_line "$r" "${rmodes[@]}"
done
medians "${rmodes[@]}"
echo "tls_rx_hw_vs_rx_sw=$(ratio "${med[rx_hw]}" "${med[rx_sw]}")"
echo "tls_rx_hw_vs_userspace=$(ratio "${med[rx_hw]}" "${med[rx_user]}")"
echo "tls_rx_sw_vs_userspace=$(ratio "${med[rx_sw]}" "${med[rx_user]}")"
echo "tls_txrx_hw_vs_sw=$(ratio "${med[txrx_hw]}" "${med[rx_sw]}")"
echo "tls_rx_hw_block_vs_rx_sw=$(ratio "${med[rx_hw_block]}" "${med[rx_sw]}")"
echo "tls_rx_hw_block_receiver_cpu_vs_sw=$(ratio "$(printf '%s\n' ${cpu_r[rx_hw_block]} | median)" "$(printf '%s\n' ${cpu_r[rx_sw]} | median)")"
echo "tls_txrx_hw_block_vs_sw=$(ratio "${med[txrx_hw_block]}" "${med[rx_sw]}")"
echo "tls_rx_hw_irq_vs_rx_sw=$(ratio "${med[rx_hw_irq]}" "${med[rx_sw]}")"
echo "tls_rx_hw_irq_vs_rx_sw_irq=$(ratio "${med[rx_hw_irq]}" "${med[rx_sw_irq]}")"
echo "tls_txrx_hw_irq_vs_sw=$(ratio "${med[txrx_hw_irq]}" "${med[rx_sw]}")"
echo "tls_txrx_hw_irq_vs_sw_irq=$(ratio "${med[txrx_hw_irq]}" "${med[rx_sw_irq]}")"
dec=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 ))
# Six receive modes offload RX: rx_hw, txrx_hw, their _block and their _irq forms.
echo "tls_rx_decrypted_share=$(echo "scale=4; $dec / (6 * $rounds * $mib * 1048576)" | bc)"
echo "block_drop=$(( $(ethstat "$NS_A" tlsnic0 block_drop) + $(ethstat "$NS_B" tlsnic1 block_drop) ))"
echo "rx_irq_drop=$(( $(ethstat "$NS_A" tlsnic0 rx_irq_drop) + $(ethstat "$NS_B" tlsnic1 rx_irq_drop) ))"
echo "tls_rx_resync_ok=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok)"

# Policy decisions: 64 flows with each sample program attached to the server's device.
bpf_load port
bpf_load sni
"$POLICY_MAP" port "$BPFFS/port/tlsnic_ports" "$TLSPORT"
"$POLICY_MAP" sni "$BPFFS/sni/sni_allow" tlsnic.test
in_a tc qdisc add dev tlsnic0 clsact
in_a tc filter add dev tlsnic0 ingress bpf direct-action object-pinned "$BPFFS/sni/sni_ingress"
sysctl -qw kernel.bpf_stats_enabled=1
for p in port/port_policy sni/sni_policy; do
	policy_set "$NS_A" tlsnic0 "$BPFFS/$p"
	tls_server "$NS_A" --conns 64 --bytes 65536
	tls_client "$NS_B" "$A4" --conns 64 --bytes 65536 --sni tlsnic.test
	read -r cnt ns < <(bpftool prog show pinned "$BPFFS/$p" |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\2 \1/p')
	echo "policy_${p#*/}_runs=$cnt"
	echo "policy_${p#*/}_ns_per_decision=$((ns / cnt))"
done
sysctl -qw kernel.bpf_stats_enabled=0
echo "policy_offloaded=$(ethstat "$NS_A" tlsnic0 tx_tls_policy_offload)"
echo "policy_refused=$(ethstat "$NS_A" tlsnic0 tx_tls_policy_reject)"
in_a tc qdisc del dev tlsnic0 clsact
policy_set "$NS_A" tlsnic0 none

# Engines. Both devices get the engine, so TX (rx offload off) and RX (sender in software) runs
# each measure one engine. Half the transfer size: these modes compare engines with each other
# (MB/s, so also with the modes above), and the default run stays within 15 minutes.
mib=$((mib / 2))
generic='gcm_base(ctr(aes-generic),ghash-generic)'
emodes=(tx_soft tx_kcrypto rx_soft rx_kcrypto tx_sync_generic tx_async_generic)
for r in $(seq "$rounds"); do
	for e in soft kcrypto; do
		engines_set "$e"
		rx_offload=off client_opts=
		tls_run "tx_$e" on
		rx_offload=on
		tls_run "rx_$e" off
	done
	rx_offload=off
	engines_set "kcrypto $generic"
	tls_run tx_sync_generic on
	engines_set "kcrypto cryptd($generic)"
	tls_run tx_async_generic on
	round_line "$r" "${emodes[@]}"
done
medians "${emodes[@]}"
echo "engine_tx_soft_vs_kcrypto=$(ratio "${med[tx_soft]}" "${med[tx_kcrypto]}")"
echo "engine_rx_soft_vs_kcrypto=$(ratio "${med[rx_soft]}" "${med[rx_kcrypto]}")"
echo "engine_tx_soft_vs_sw_write=$(ratio "${med[tx_soft]}" "${med[sw_write]}")"
echo "engine_tx_kcrypto_vs_sw_write=$(ratio "${med[tx_kcrypto]}" "${med[sw_write]}")"
echo "engine_rx_soft_vs_rx_sw=$(ratio "${med[rx_soft]}" "${med[rx_sw]}")"
echo "engine_rx_kcrypto_vs_rx_sw=$(ratio "${med[rx_kcrypto]}" "${med[rx_sw]}")"
echo "engine_tx_async_vs_sync_generic=$(ratio "${med[tx_async_generic]}" "${med[tx_sync_generic]}")"
echo "engine_tx_async_records=$(ethstat "$NS_A" tlsnic0 tx_tls_async_records)"
echo "engine_tx_drop_engine=$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)"
engines_set kcrypto

# Small transfers. The client (NS_A, CPU 0) opens the flows and reads the replies; the server
# (NS_B, CPU 1) sends them. small_run MODE OFFLOAD: one run; flows per second into res[MODE],
# setup time percentiles into p50[MODE] and p99[MODE], CPU seconds per flow into cpu_s/cpu_r.
SOAK=$SAMPLES/tests/ktls-soak
small_run() {
	local mode=$1 offload=$2 log=/tmp/tlsnic-bench-soak.log s0 r0 s1 r1 line spid
	in_a ethtool -K tlsnic0 tls-hw-tx-offload "$offload" tls-hw-rx-offload "$offload"
	in_b ethtool -K tlsnic1 tls-hw-tx-offload "$offload" tls-hw-rx-offload "$offload"
	"$NSPROBE" exec "$NS_B" taskset -c 1 "$SOAK" server -p "$PORT" --flows "$small_flows" \
		--reply 10240 >/tmp/tlsnic-bench-soak-server.log 2>&1 &
	spid=$!
	wait_listen "$NS_B" "$PORT"
	read -r s0 r0 < <(cpus_busy)
	"$NSPROBE" exec "$NS_A" taskset -c 0 "$SOAK" client "$B4" -p "$PORT" \
		--flows "$small_flows" --batch 20 --reply 10240 >"$log" 2>&1 ||
		{ cat "$log" >&2; echo "# FAIL: small transfers ($mode)" >&2; exit 1; }
	wait "$spid" || { cat /tmp/tlsnic-bench-soak-server.log >&2; echo "# FAIL: small transfers server ($mode)" >&2; exit 1; }
	read -r s1 r1 < <(cpus_busy)
	line=$(grep '^soak flows=' "$log")
	[[ $line =~ \ p50=([0-9]+)\ .*\ p99=([0-9]+)\ .*\ rate=([0-9]+) ]] ||
		{ echo "# FAIL: small transfers ($mode): no summary in '$line'" >&2; exit 1; }
	p50[$mode]+="${BASH_REMATCH[1]} "
	p99[$mode]+="${BASH_REMATCH[2]} "
	res[$mode]+="${BASH_REMATCH[3]} "
	cpu_s[$mode]+="$(echo "scale=6; ($s1 - $s0) / $hz / $small_flows" | bc) "
	cpu_r[$mode]+="$(echo "scale=6; ($r1 - $r0) / $hz / $small_flows" | bc) "
}
declare -A p50 p99
smodes=(small_sw small_hw small_hw_block small_hw_irq)
ctx0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
for r in $(seq "$rounds"); do
	small_run small_sw off
	small_run small_hw on
	# The client's device with its crypto block on the client's CPU: the replies are decrypted
	# there, not inline in the server's transmit (on the server's CPU), as software kTLS does.
	place 0 -
	small_run small_hw_block on
	place - -
	steer 0 1
	small_run small_hw_irq on
	steer none none
	echo "# round $r (flows/s): $(for m in "${smodes[@]}"; do printf '%s=%s ' "$m" "$(echo ${res[$m]} | awk '{print $NF}')"; done)" >&2
done
for m in "${smodes[@]}"; do
	med[$m]=$(printf '%s\n' ${res[$m]} | median)
	echo "tls_${m}_flows_per_s=${med[$m]}"
	echo "tls_${m}_setup_us_p50=$(printf '%s\n' ${p50[$m]} | median)"
	echo "tls_${m}_setup_us_p99=$(printf '%s\n' ${p99[$m]} | median)"
	echo "tls_${m}_client_cpu_s_per_flow=$(printf '%s\n' ${cpu_s[$m]} | median)"
	echo "tls_${m}_server_cpu_s_per_flow=$(printf '%s\n' ${cpu_r[$m]} | median)"
	spread_check "$m" flows/s
done
echo "tls_small_hw_vs_sw=$(ratio "${med[small_hw]}" "${med[small_sw]}")"
echo "tls_small_hw_block_vs_sw=$(ratio "${med[small_hw_block]}" "${med[small_sw]}")"
echo "tls_small_hw_irq_vs_sw=$(ratio "${med[small_hw_irq]}" "${med[small_sw]}")"
# Every offloaded flow (small_hw, small_hw_block, small_hw_irq) had its TX context on the client's
# device.
echo "tls_small_hw_tx_ctx=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - ctx0 ))"

# Tracepoints: both ends offloaded, with no program on the tlsnic events (off), then with a
# bpftrace program counting every one of them (on), then without again; half size.
if command -v bpftrace >/dev/null; then
	rx_offload=on client_opts=
	tmodes=(trace_off trace_on)
	half=$(( (rounds + 1) / 2 ))
	for _ in $(seq "$half"); do tls_run trace_off on; done
	bt=/tmp/tlsnic-bench-bpftrace.log
	timeout -s INT 900 bpftrace -e 'tracepoint:tlsnic:* { @events[probe] = count(); }' >"$bt" 2>&1 &
	btpid=$!
	wait_until 1500 'grep -q "^Attaching" "$bt"' || { cat "$bt" >&2; echo "# FAIL: bpftrace did not attach" >&2; exit 1; }
	for _ in $(seq "$rounds"); do tls_run trace_on on; done
	kill -INT "$btpid"
	wait "$btpid" || true
	for _ in $(seq $((rounds - half))); do tls_run trace_off on; done
	medians "${tmodes[@]}"
	echo "tls_trace_on_vs_off=$(ratio "${med[trace_on]}" "${med[trace_off]}")"
	echo "trace_events_while_on=$(awk -F': ' '/^@events/ {n += $2} END {print n + 0}' "$bt")"
else
	echo "# WARNING: no bpftrace: the tracepoint section is skipped (scripts/setup.sh installs it)" >&2
fi

cleanup_netns
rmmod tlsnic
rm -rf "${BPFFS:?}/port" "${BPFFS:?}/sni"
