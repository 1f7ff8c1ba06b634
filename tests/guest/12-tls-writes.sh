#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Offloaded TX with every write pattern: tiny (1 B), small random (1 B .. 1 KiB), odd sizes
# around a page, full 16 KiB records, sendfile with and without TLS_TX_ZEROCOPY_RO, over IPv4
# and IPv6. The receiver (kTLS, RX offloaded) checks every byte of the stream. Sizes: on the debug
# kernel every record costs about a millisecond, so each pattern gets a few hundred to a few
# thousand records (4,096 1-byte records, 512 KiB of 1..1024-byte writes, 1 MiB of odd sizes,
# 4 MiB of full records and of each sendfile mode, 1 MiB over IPv6) and four times that, or
# the old 20,000 1-byte records, at long scale.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
# run NAME BYTES SERVER_ARGS...: one verified connection; the device must have encrypted it.
run() {
	local name=$1 bytes=$2 host=${HOST:-$A4} e0; shift 2
	e0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	tls_server "$NS_A" --bytes "$bytes" "$@"
	tls_client "$NS_B" "$host" --bytes "$bytes"
	file_has /tmp/tlsnic-server.log 'ktls_tx=1' || fail "$name: kTLS TX not enabled"
	# Each record adds 29 bytes of framing to the payload.
	expect_ge "$name encrypted bytes" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - e0 )) "$bytes"
	note "$name: $bytes bytes ok ($(</tmp/tlsnic-client.log))"
}

KIB=1024
x=$(scaled 1 4)
run "1-byte writes" "$(scaled 4096 20000)" --wsize 1
run "1..1024-byte writes" $((x * 512 * KIB)) --wsize 1-1024 --seed 7
run "odd 4093..4099-byte writes" $((x * 1024 * KIB)) --wsize 4093-4099 --seed 9
run "16 KiB writes" $((x * 4096 * KIB)) --wsize 16384
run "sendfile" $((x * 4096 * KIB)) --sendfile
run "sendfile zerocopy" $((x * 4096 * KIB)) --sendfile --zerocopy
HOST=$A6 run "IPv6 1..16384-byte writes" $((x * 1024 * KIB)) --wsize 1-16384 --seed 3
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
expect_eq "tx_tls_drop_engine" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
