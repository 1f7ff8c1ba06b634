#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Offloaded TX with every write pattern: tiny (1 B), small random (1 B .. 1 KiB), odd sizes
# around a page, full 16 KiB records, sendfile with and without TLS_TX_ZEROCOPY_RO, over IPv4
# and IPv6. The receiver (software kTLS) checks every byte of the stream.
. "$(dirname "$0")/lib.sh"

tls_pair
# run NAME BYTES SERVER_ARGS...: one verified connection; the device must have encrypted it.
run() {
	local name=$1 bytes=$2 host=${HOST:-$A4} e0; shift 2
	e0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	tls_server "$NS_A" --bytes "$bytes" "$@"
	tls_client "$NS_B" "$host" --bytes "$bytes"
	grep -q 'ktls_tx=1' /tmp/tlsnic-server.log || fail "$name: kTLS TX not enabled"
	# Each record adds 29 bytes of framing to the payload.
	expect_ge "$name encrypted bytes" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - e0 )) "$bytes"
	note "$name: $bytes bytes ok ($(cat /tmp/tlsnic-client.log))"
}

run "1-byte writes" 20000 --wsize 1
run "1..1024-byte writes" $((2 * 1048576)) --wsize 1-1024 --seed 7
run "odd 4093..4099-byte writes" $((4 * 1048576)) --wsize 4093-4099 --seed 9
run "16 KiB writes" $((16 * 1048576)) --wsize 16384
run "sendfile" $((16 * 1048576)) --sendfile
run "sendfile zerocopy" $((16 * 1048576)) --sendfile --zerocopy
HOST=$A6 run "IPv6 1..16384-byte writes" $((4 * 1048576)) --wsize 1-16384 --seed 3
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
expect_eq "tx_tls_drop_engine" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
