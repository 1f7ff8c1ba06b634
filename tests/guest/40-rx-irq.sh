#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The receive interrupt steered to a CPU set (attribute irq_cpus): frames from the wire go into
# the device's ring and are received by its NAPI poll on a CPU of the set, scheduled there by a
# cross-CPU call. Checked here: the attribute (bad lists and CPUs that are not online refused,
# the device keeping its steering; "none" removes it); a flow offloaded for TX and RX with each
# device steered to its own application's CPU, through a wire that drops, reorders and
# duplicates frames both ways, arrives byte-exact with no decryption error and really went
# through both rings, with interrupts raised on the other CPU; the steering removed under a live
# flow on a clean wire (frames in the ring are not overtaken: the receiver's TCP queues no
# segment out of order); the poll paused until the ring overflows, then resumed (the flow
# finishes); the link taken down under a flow with frames held in the ring (debugfs irq_pause),
# which are dropped and counted, and the module removed with frames held in both rings. No
# kernel report, no leak.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

MIB=1048576
irq_cpus() { "$NSPROBE" exec "$1" cat "/sys/class/net/$2/tlsnic/irq_cpus"; }
# set_irq NS DEV TEXT: one write(2) of TEXT; prints the error (strerror), if any.
set_irq() { sysfs_write "$1" "/sys/class/net/$2/tlsnic/irq_cpus" "$3" || true; }
# steer A B: tlsnic0's interrupt on CPU A, tlsnic1's on CPU B ("none": not steered).
steer() {
	expect_eq "tlsnic0 irq_cpus '$1'" "$(set_irq "$NS_A" tlsnic0 "$1")" ""
	expect_eq "tlsnic1 irq_cpus '$2'" "$(set_irq "$NS_B" tlsnic1 "$2")" ""
}
[ "$(nproc)" -ge 2 ] || fail "this test needs 2 CPUs"
read -r possible </sys/devices/system/cpu/possible
nocpu=$(( ${possible##*-} + 1 ))

tls_pair
expect_eq "irq_cpus by default" "$(irq_cpus "$NS_A" tlsnic0)" none
expect_eq "write '1'" "$(set_irq "$NS_A" tlsnic0 1)" ""
for b in x 1-0 300 "$nocpu" "1 " "0,,1" -1 "none 1"; do
	err=$(set_irq "$NS_A" tlsnic0 "$b")
	has "$err" "Invalid argument" || fail "irq_cpus '$b': '$err', expected Invalid argument"
	expect_eq "irq_cpus after '$b'" "$(irq_cpus "$NS_A" tlsnic0)" 1
done
expect_eq "write '1,0'" "$(set_irq "$NS_A" tlsnic0 1,0)" ""
expect_eq "irq_cpus 1,0" "$(irq_cpus "$NS_A" tlsnic0)" 0-1
expect_eq "write 'none'" "$(set_irq "$NS_A" tlsnic0 none)" ""
expect_eq "irq_cpus after none" "$(irq_cpus "$NS_A" tlsnic0)" none

# flow MIB: one OpenSSL flow A -> B, TX offloaded on tlsnic0, RX on tlsnic1, verified by the
# client, the server on CPU 0 and the client on CPU 1; checks both ends used the device.
flow() {
	local txd0 rxd0 bad0
	txd0=$(tls_stat "$NS_A" TlsTxDevice)
	rxd0=$(tls_stat "$NS_B" TlsRxDevice)
	bad0=$(tls_stat "$NS_B" TlsDecryptError)
	SERVER_CPU=0 tls_server "$NS_A" --bytes $(($1 * MIB))
	CLIENT_CPU=1 tls_client "$NS_B" "$A4" --bytes $(($1 * MIB))
	file_has /tmp/tlsnic-client.log "ok $(($1 * MIB)) ktls_rx=1" || fail "stream not verified with kTLS RX"
	expect_eq "TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 1
	expect_eq "TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 1
	expect_eq "TlsDecryptError delta" $(( $(tls_stat "$NS_B" TlsDecryptError) - bad0 )) 0
}

# load_snap ARRAY: the counters the checks below compare, into the associative ARRAY (one
# nsprobe call).
SNAP_A=(rx_irq_frames rx_irq_ipis tx_tls_encrypted_bytes wire_drop wire_reorder)
SNAP_B=(rx_irq_frames rx_irq_ipis rx_tls_decrypted_bytes wire_drop wire_reorder)
declare -A s0 s1
load_snap() {
	local -n _s=$1
	local keys=() vals n i=0
	for n in "${SNAP_A[@]}"; do keys+=("a_$n"); done
	for n in "${SNAP_B[@]}"; do keys+=("b_$n"); done
	probes vals "${SNAP_A[@]/#/$NS_A:tlsnic0:}" "${SNAP_B[@]/#/$NS_B:tlsnic1:}"
	_s=()
	for n in "${keys[@]}"; do _s["$n"]=${vals[i]}; i=$((i + 1)); done
	_s["wire_a"]=$(( _s["a_wire_drop"] + _s["a_wire_reorder"] ))
	_s["wire_b"]=$(( _s["b_wire_drop"] + _s["b_wire_reorder"] ))
}
# delta NAME: the change of counter NAME between the snapshots in s0 and s1.
delta() { echo $(( ${s1[$1]} - ${s0[$1]} )); }

# Each device steered to its own application's CPU, faults on both wires (the data in MSS-sized
# frames, as in 32-tls-block, so that the per-frame faults hit it).
mib=$(scaled 8 64)
steer 0 1
wire_fault "$NS_A" tlsnic0 drop_ppm 1000
wire_fault "$NS_A" tlsnic0 reorder_ppm 2000
wire_fault "$NS_A" tlsnic0 duplicate_ppm 1000
wire_fault "$NS_B" tlsnic1 drop_ppm 3000
wire_fault "$NS_B" tlsnic1 reorder_ppm 5000
wire_fault "$NS_B" tlsnic1 duplicate_ppm 3000
in_a ethtool -K tlsnic0 tso off
load_snap s0
flow "$mib"
load_snap s1
in_a ethtool -K tlsnic0 tso on
for d in "$NS_A tlsnic0" "$NS_B tlsnic1"; do
	read -r ns dev <<<"$d"
	for k in drop_ppm reorder_ppm duplicate_ppm; do wire_fault "$ns" "$dev" "$k" 0; done
done
note "faulty wire: $mib MiB intact through both rings; tlsnic1 received $(delta b_rx_irq_frames) frames ($(delta b_rx_irq_ipis) interrupts on another CPU), tlsnic0 $(delta a_rx_irq_frames) ($(delta a_rx_irq_ipis)); faults A -> B $(delta wire_a), B -> A $(delta wire_b); tlsnic1 decrypted $(delta b_rx_tls_decrypted_bytes) bytes"
expect_ge "tlsnic1 rx_irq_frames delta" "$(delta b_rx_irq_frames)" 1000
expect_ge "tlsnic0 rx_irq_frames delta (ACKs)" "$(delta a_rx_irq_frames)" 100
# The data leaves CPU 0 (the server's transmit) for tlsnic1's CPU 1.
expect_ge "tlsnic1 rx_irq_ipis delta" "$(delta b_rx_irq_ipis)" 100
expect_ge "tlsnic0 tx_tls_encrypted_bytes delta" "$(delta a_tx_tls_encrypted_bytes)" $((mib * MIB / 2))
expect_ge "tlsnic1 rx_tls_decrypted_bytes delta" "$(delta b_rx_tls_decrypted_bytes)" 1
expect_ge "faults on the wire A -> B" "$(delta wire_a)" 1
expect_ge "faults on the wire B -> A" "$(delta wire_b)" 1

# The steering removed under a live flow on a clean wire: it finishes intact, and no frame
# overtook one queued before it: the receiver's TCP queued nothing out of order (TCPOFOQueue;
# on a clean wire only a frame received ahead of ones still in the ring would be). Later flows
# are received inline.
ofo() {
	in_b awk '$1 == "TcpExt:" { if (!c) { for (i = 2; i <= NF; i++) if ($i == "TCPOFOQueue") c = i; next } print $c }' \
		/proc/net/netstat
}
[ -n "$(ofo)" ] || fail "/proc/net/netstat: no TCPOFOQueue"
# With TSO the data crosses in frames of up to 64 KiB: 64 MiB or more are a thousand frames or
# more, and the steering goes after the first 32; some frames must then have come inline.
big=$((8 * mib))
rxp() { in_b cat /sys/class/net/tlsnic1/statistics/rx_packets; }
rxp0=$(rxp)
steer 0 1
frames0=$(ethstat "$NS_B" tlsnic1 rx_irq_frames)
ofo0=$(ofo)
bad0=$(tls_stat "$NS_B" TlsDecryptError)
SERVER_CPU=0 tls_server "$NS_A" --bytes $((big * MIB))
in_b timeout 300 taskset -c 1 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((big * MIB)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 60 "$NS_B:tlsnic1:rx_irq_frames>=$((frames0 + 32))" || fail "flow did not start through the ring"
steer none none
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow failed when the steering was removed"; }
wait "$SERVER_PID" || fail "server failed when the steering was removed"
file_has /tmp/tlsnic-client.log "ok $((big * MIB)) ktls_rx=1" || fail "stream not verified"
frames=$(( $(ethstat "$NS_B" tlsnic1 rx_irq_frames) - frames0 ))
inline=$(( $(rxp) - rxp0 - frames ))
note "steering removed under a flow: $frames frames through the ring, $inline inline"
expect_ge "frames received inline after the steering was removed" "$inline" 1
expect_eq "TCPOFOQueue delta, steering removed under a flow" $(( $(ofo) - ofo0 )) 0
expect_eq "TlsDecryptError delta" $(( $(tls_stat "$NS_B" TlsDecryptError) - bad0 )) 0
load_snap s0
flow 1
load_snap s1
expect_eq "tlsnic1 rx_irq_frames delta, inline again" "$(delta b_rx_irq_frames)" 0
expect_eq "tlsnic0 rx_irq_frames delta, inline again" "$(delta a_rx_irq_frames)" 0

# hold DEV NS: pause DEV's poll and wait until its ring holds frames it was handed since (once
# paused, every interrupt raised on the other CPU is for a frame that stays in the ring).
hold() {
	local n
	wire_fault "$2" "$1" irq_pause 1
	n=$(ethstat "$2" "$1" rx_irq_ipis)
	wait_for -t 30 "$2:$1:rx_irq_ipis>=$((n + 2))" || fail "$1: no frames held in the ring"
}

# The poll paused until the receiver's ring overflows, then resumed: every flow finishes
# intact, the frames the full ring refused counted; a frame that finds the ring full raises the
# interrupt, so the poll takes the held frames without waiting for the link to go down. TCP's
# small-queue limit keeps a flow's frames held in a device to about a millisecond of its rate,
# so 16 flows in MSS-sized frames fill the ring's 256 slots.
steer 0 1
in_a ethtool -K tlsnic0 tso off
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
SERVER_CPU=0 tls_server "$NS_A" --conns 16 --bytes $((4 * MIB))
in_b timeout 300 taskset -c 1 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 16 --bytes $((4 * MIB)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 60 "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((dec0 + MIB))" || fail "no flows decrypting"
drop0=$(ethstat "$NS_B" tlsnic1 rx_irq_drop)
wire_fault "$NS_B" tlsnic1 irq_pause 1
wait_for -t 30 "$NS_B:tlsnic1:rx_irq_drop>=$((drop0 + 1))" || fail "the paused ring did not overflow"
wire_fault "$NS_B" tlsnic1 irq_pause 0
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flows did not survive a full ring"; }
wait "$SERVER_PID" || fail "server failed after a full ring"
expect_eq "flows verified after a full ring" "$(grep -c " ok $((4 * MIB)) " /tmp/tlsnic-client.log)" 16
in_a ethtool -K tlsnic0 tso on
note "paused ring: $(( $(ethstat "$NS_B" tlsnic1 rx_irq_drop) - drop0 )) frames refused while full"

# Link down under a flow with frames held in the receiver's ring: they are dropped and counted,
# and the flow goes on once the link is back.
steer 0 1
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
SERVER_CPU=0 tls_server "$NS_A" --bytes $((mib * MIB)) --wsize 16384
in_b timeout 300 taskset -c 1 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((mib * MIB)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 60 "$NS_B:tlsnic1:rx_tls_ctx_live=1" "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((dec0 + MIB))" ||
	fail "no live context decrypting"
hold tlsnic1 "$NS_B"
drop0=$(ethstat "$NS_B" tlsnic1 rx_irq_drop)
in_b ip link set tlsnic1 down
expect_ge "rx_irq_drop delta at link down" $(( $(ethstat "$NS_B" tlsnic1 rx_irq_drop) - drop0 )) 1
wire_fault "$NS_B" tlsnic1 irq_pause 0
in_b ip link set tlsnic1 up
wait_for -t 10 "$NS_B:tlsnic1:carrier=1" || fail "no carrier"
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow did not survive link down"; }
wait "$SERVER_PID" || fail "server failed after link down"
file_has /tmp/tlsnic-client.log "ok $((mib * MIB))" || fail "stream not verified after link down"
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1

# Module removal with flows mid-transfer, frames held in both rings: the sender's first (it
# holds ACKs; data and retransmissions still come to the receiver), then the receiver's.
SERVER_CPU=0 tls_server "$NS_A" --conns 4 --bytes $((256 * MIB))
in_b timeout 300 taskset -c 1 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 4 --bytes $((256 * MIB)) >/dev/null 2>&1 &
enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
wait_for -t 60 "$NS_A:tlsnic0:tx_tls_ctx_live>=2" "$NS_A:tlsnic0:tx_tls_encrypted_bytes>=$((enc0 + 2 * MIB))" ||
	fail "flows did not start"
hold tlsnic0 "$NS_A"
hold tlsnic1 "$NS_B"
unload || fail "rmmod with live flows"
loaded && fail "module still loaded"
stop_traffic
cleanup_netns
