#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Receive offload through a faulty wire. For each fault (debugfs knobs of the sender's device:
# drop, reorder, duplicate; then netem loss), an RX-offloaded flow runs with the fault on for a
# window and off again: every byte arrives intact (the client verifies the stream), the
# receiving device loses sync and resyncs on the kernel's next-record hints (rx_tls_ooo,
# rx_tls_resync_req, rx_tls_resync_ok rise where a gap was made), and decryption resumes after
# the window (4 MiB more decrypted by the device). The window opens once the device has
# decrypted 4 MiB and closes after 20 faults, 2 s or 3 MiB, whichever comes first (netem: 2 s
# or 3 MiB), so the flow needs at most 11 MiB; it is 16 MiB (128 at long scale). On the debug
# kernel under TCG (1 to 2 MB/s) the 2 s bound comes first, after 5 to 20 faults.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
MIB=1048576
BYTES=$(( $(scaled 16 128) * MIB ))

# faulty NAME KNOB PPM: one flow with KNOB at PPM for a window of 20 faults, 2 s or 3 MiB.
faulty() {
	local name=$1 knob=$2 ppm=$3 cpid d0 d1 ooo0 req0 ok0 w0 wname
	d0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	ooo0=$(ethstat "$NS_B" tlsnic1 rx_tls_ooo)
	req0=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_req)
	ok0=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok)
	wname=wire_${knob%_ppm}
	[ "$knob" = netem ] && wname=
	[ -n "$wname" ] && w0=$(ethstat "$NS_A" tlsnic0 "$wname")
	tls_server "$NS_A" --bytes "$BYTES"
	in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes "$BYTES" >/tmp/tlsnic-client.log 2>&1 &
	cpid=$!
	wait_for -t 60 "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((d0 + 4 * MIB))" ||
		fail "$name: RX offload did not start"
	local window=("$NS_B:tlsnic1:if.rx_bytes>=$(( $(probe "$NS_B:tlsnic1:if.rx_bytes") + 3 * MIB ))")
	if [ "$knob" = netem ]; then
		in_a tc qdisc add dev tlsnic0 root netem loss "$ppm%"
		wait_for -a -t 2 "${window[@]}" 2>/dev/null || true
		in_a tc qdisc del dev tlsnic0 root
	else
		wire_fault "$NS_A" tlsnic0 "$knob" "$ppm"
		wait_for -a -t 2 "${window[@]}" "$NS_A:tlsnic0:$wname>=$((w0 + 20))" 2>/dev/null || true
		wire_fault "$NS_A" tlsnic0 "$knob" 0
	fi
	# Decryption must go on after the window: 4 MiB more, or the flow ends first (and fails
	# the check below).
	d1=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	wait_for -t 120 -p "$cpid" "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((d1 + 4 * MIB))" || true
	local after=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - d1 ))
	wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; ethtool_all >&2; fail "$name: flow failed"; }
	wait "$SERVER_PID" || fail "$name: server failed"
	file_has /tmp/tlsnic-client.log "ok $BYTES ktls_rx=1" || fail "$name: stream not verified"
	local ooo=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_ooo) - ooo0 ))
	local req=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_resync_req) - req0 ))
	local ok=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok) - ok0 ))
	local faults=
	[ -n "$wname" ] && faults=$(( $(ethstat "$NS_A" tlsnic0 "$wname") - w0 ))
	note "$name: $BYTES bytes intact; faults ${faults:-netem}, sync lost $ooo, hints $req, resumed $ok, decrypted after window $after"
	[ -z "$wname" ] || expect_ge "$name $wname" "$faults" 1
	expect_ge "$name decrypted bytes after the fault window" "$after" $((4 * MIB))
	if [ "$name" != duplicate ]; then
		expect_ge "$name rx_tls_ooo delta" "$ooo" 1
		expect_ge "$name rx_tls_resync_req delta" "$req" 1
		expect_ge "$name rx_tls_resync_ok delta" "$ok" 1
	fi
}

wire_fault "$NS_A" tlsnic0 seed 4242
faulty drop drop_ppm 20000
faulty reorder reorder_ppm 50000
faulty duplicate duplicate_ppm 50000
faulty "netem loss" netem 2
expect_eq "rx_tls_err" "$(ethstat "$NS_B" tlsnic1 rx_tls_err)" 0
ethtool_all >&2
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
