#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# An asynchronous engine: the kernel's cryptd wrapper around a generic gcm(aes) (driver name
# cryptd(gcm_base(ctr(aes-generic),ghash-generic))), which completes every request
# from a workqueue. Segments wait in the device's deferred queue and are sent, in order per
# flow, when their records are sealed.
# - OpenSSL s_server -> s_client, /data (8 MiB, 64 at long scale: 512 records) with each cipher
#   (SSL_write and sendfile), kTLS at both ends: every byte intact, every record sealed
#   asynchronously, nothing dropped by the engine;
# - 8 concurrent flows, and a lossy wire (retransmissions rebuild older records asynchronously);
# - teardown with packets waiting: link down under a transfer, then rmmod with live flows.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
setup_async() {
	sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/engine \
		"kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic))" || fail "cannot select cryptd"
}
setup_async
note "engine: $("$NSPROBE" exec "$NS_A" cat /sys/class/net/tlsnic0/tlsnic/engine)"
www_setup

# transfer CIPHER [S_SERVER_OPTION]: /data, every record sealed asynchronously.
transfer() {
	local cipher=$1 rec0 sent0 enc0; shift
	rec0=$(ethstat "$NS_A" tlsnic0 tx_tls_async_records)
	sent0=$(ethstat "$NS_A" tlsnic0 tx_tls_async_sent)
	enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	www_get "$cipher" "$KTLS_CNF" "$KTLS_CNF" "$@"
	local recs=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_async_records) - rec0 ))
	local sent=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_async_sent) - sent0 ))
	# /data in records of at most 16 KiB.
	expect_ge "$cipher tx_tls_async_records delta" "$recs" $((WWW_MIB * 64))
	expect_ge "$cipher tx_tls_async_sent delta" "$sent" 1
	expect_ge "$cipher tx_tls_encrypted_bytes delta" \
		$(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - enc0 )) $((WWW_MIB * 1048576))
	note "$cipher $*: $WWW_MIB MiB intact; $recs records sealed asynchronously, $sent packets sent from the deferred queue"
}
txd0=$(tls_stat "$NS_A" TlsTxDevice)
transfer ECDHE-ECDSA-AES128-GCM-SHA256
transfer ECDHE-ECDSA-AES256-GCM-SHA384 -sendfile
expect_eq "TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 2
expect_eq "tx_tls_drop_engine" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
expect_eq "tx_tls_async_pending" "$(ethstat "$NS_A" tlsnic0 tx_tls_async_pending)" 0
expect_ge "tx_tls_engine_kcrypto" "$(ethstat "$NS_A" tlsnic0 tx_tls_engine_kcrypto)" 2

# Concurrent flows (2 MiB each, 8 at long scale), then a lossy wire.
cmib=$(scaled 2 8)
tls_server "$NS_A" --conns 8 --bytes $((cmib * 1048576))
tls_client "$NS_B" "$A4" --conns 8 --bytes $((cmib * 1048576))
note "8 flows x $cmib MiB verified: $(</tmp/tlsnic-client.log)"
ooo0=$(ethstat "$NS_A" tlsnic0 tx_tls_ooo)
wire_fault "$NS_A" tlsnic0 drop_ppm 3000
tls_server "$NS_A" --bytes $((16 * 1048576))
tls_client "$NS_B" "$A4" --bytes $((16 * 1048576))
wire_fault "$NS_A" tlsnic0 drop_ppm 0
expect_ge "retransmissions re-encrypted (tx_tls_ooo delta)" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ooo) - ooo0 )) 1
note "lossy wire: 16 MiB verified, $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ooo) - ooo0 )) retransmitted segments re-encrypted; wire_drop $(ethstat "$NS_A" tlsnic0 wire_drop)"
expect_eq "tx_tls_drop_engine after faults" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
live_ctx_zero "$NS_A" tlsnic0

# Link down with packets waiting: they are dropped (never sent in clear), the flow moves to
# software and finishes.
mib=$(scaled 8 64)
sent0=$(ethstat "$NS_A" tlsnic0 tx_tls_async_sent)
tls_server "$NS_A" --bytes $((mib * 1048576)) --wsize 16384
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((mib * 1048576)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
# Down once the flow has sent 64 packets from the deferred queue.
wait_for -t 60 "$NS_A:tlsnic0:tx_tls_async_sent>=$((sent0 + 64))" "$NS_A:tlsnic0:tx_tls_ctx_live=1" ||
	fail "no asynchronous flow"
in_a ip link set tlsnic0 down
expect_eq "live contexts after link down" "$(ethstat "$NS_A" tlsnic0 tx_tls_ctx_live)" 0
expect_eq "packets waiting after link down" "$(ethstat "$NS_A" tlsnic0 tx_tls_async_pending)" 0
in_a ip link set tlsnic0 up
wait_for -t 10 "$NS_A:tlsnic0:carrier=1" || fail "no carrier"
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow did not survive link down"; }
wait "$SERVER_PID" || fail "server failed after link down"
note "link down with the asynchronous engine: flow finished in software ($(</tmp/tlsnic-client.log))"

# Module removal with asynchronous flows mid-transfer.
setup_async
tls_server "$NS_A" --conns 8 --bytes $((256 * 1048576))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 8 --bytes $((256 * 1048576)) >/dev/null 2>&1 &
sent0=$(ethstat "$NS_A" tlsnic0 tx_tls_async_sent)
wait_for -t 60 "$NS_A:tlsnic0:tx_tls_ctx_live>=4" "$NS_A:tlsnic0:tx_tls_async_sent>=$((sent0 + 256))" ||
	fail "flows did not start"
unload || fail "rmmod with live asynchronous flows"
loaded && fail "module still loaded"
stop_traffic
cleanup_netns
