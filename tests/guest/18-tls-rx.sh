#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inline TLS receive offload with peers nobody here wrote.
# - OpenSSL s_server -> s_client, kTLS on at both ends through the OpenSSL config: the sender's
#   TX and the receiver's RX both offloaded (TlsTxDevice in A, TlsRxDevice in B), /data with
#   AES128-GCM and with AES256-GCM, every byte intact, and all of it but 4 MiB or a quarter,
#   whichever is less, decrypted by the device (rx_tls_decrypted_bytes): that allowance covers
#   the records before the first resync many times over. /data is 8 MiB (64 at long scale).
# - Mixed peers: an RX-offloaded receiver fed by a software-kTLS sender (TX offload off on
#   tlsnic0) and by a plain userspace-OpenSSL sender.
# - IPv6, and a receiver with tls-hw-rx-offload off stays on software kTLS RX.
# - On kcrypto, records that arrive whole in one frame are opened in one operation (hundreds of
#   them: rx_tls_records_whole), also where a page block of the device's copy ends inside the
#   record (tens of them: rx_tls_records_whole_split, one scatter-list operation over both
#   blocks); on soft, none is.
# - Flows whose socket already holds data when TLS_RX is set (tests/ktls/ktls-soak --late-rx:
#   10 flows, each client sets TLS_RX once the first bytes of its 1 MiB reply are in its
#   socket): each starts past that data (rx_tls_start_queued), none loses sync (rx_tls_ooo),
#   the device decrypts the rest (at least 3/4 of all reply bytes: a receive window holds about
#   128 KiB) and every reply is verified byte for byte. Reports the
#   same counters over the other flows (OpenSSL's client sets TLS_RX as it reads the server's
#   ChangeCipherSpec, and the server's data may already be queued behind it).
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
www_setup

# get CIPHER SERVER_CONF: s_server -WWW -> s_client (kTLS config) GET /data; checks every byte and
# that the receiver offloaded RX.
get() {
	local cipher=$1 sconf=$2 rxd0 dec0
	rxd0=$(tls_stat "$NS_B" TlsRxDevice)
	dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	www_get "$cipher" "$sconf" "$KTLS_CNF"
	expect_ge "$cipher TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 1
	# Nearly all of it: the records before the device's first resync go up undecrypted (the
	# socket's first record may already be queued when TLS_RX is set, and the kernel sends its
	# first hint only once the reader has caught up).
	local allow=$((WWW_MIB / 4 < 4 ? WWW_MIB * 1048576 / 4 : 4 * 1048576))
	expect_ge "$cipher rx_tls_decrypted_bytes delta" \
		$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 )) $((WWW_MIB * 1048576 - allow))
	note "$cipher: $WWW_MIB MiB intact, RX offloaded ($(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 )) bytes decrypted by tlsnic1)"
}

txd0=$(tls_stat "$NS_A" TlsTxDevice)
get ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
get ECDHE-ECDSA-AES256-GCM-SHA384 "$KTLS_CNF"
expect_ge "sender TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 2

# Mixed peers. A software-kTLS sender:
in_a ethtool -K tlsnic0 tls-hw-tx-offload off
txs0=$(tls_stat "$NS_A" TlsTxSw)
get ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
expect_ge "software sender TlsTxSw delta" $(( $(tls_stat "$NS_A" TlsTxSw) - txs0 )) 1
in_a ethtool -K tlsnic0 tls-hw-tx-offload on
# A userspace-OpenSSL sender (no kTLS at all):
get ECDHE-ECDSA-AES256-GCM-SHA384 /dev/null

# tlsnic-tls over IPv6 with random write sizes, 4 connections at once, each stream verified
# (half of /data each at check scale: 4 MiB, 512 KiB in 26-tls-engines-soft's rerun; 16 MiB at
# long scale). The receiver with RX offload off below gets as much.
rxd0=$(tls_stat "$NS_B" TlsRxDevice)
v6bytes=$(scaled $((WWW_MIB << 19)) $((16 << 20)))
tls_server "$NS_A" --bytes "$v6bytes" --wsize 1-20000 --conns 4
tls_client "$NS_B" "$A6" --bytes "$v6bytes" --conns 4
expect_ge "IPv6 TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 4

note "flows started past queued data: $(ethstat "$NS_B" tlsnic1 rx_tls_start_queued) of $(ethstat "$NS_B" tlsnic1 rx_tls_ctx); sync lost $(ethstat "$NS_B" tlsnic1 rx_tls_ooo) times"

# Data held by the socket when TLS_RX is set: ktls-soak's client in B sets it late.
soak=$SAMPLES/tests/ktls-soak
[ -x "$soak" ] || fail "$soak missing (scripts/build-samples.sh)"
late_flows=10
late_reply=$((1 << 20))
sq0=$(ethstat "$NS_B" tlsnic1 rx_tls_start_queued)
ooo0=$(ethstat "$NS_B" tlsnic1 rx_tls_ooo)
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
"$NSPROBE" exec "$NS_A" "$soak" server -p 4436 --seed 7 --flows "$late_flows" \
	--reply "$late_reply" >/tmp/tlsnic-late-server.log 2>&1 &
late_pid=$!
wait_listen "$NS_A" 4436 || fail "ktls-soak server did not start"
timeout 120 "$NSPROBE" exec "$NS_B" "$soak" client "$A4" -p 4436 --seed 7 --flows "$late_flows" \
	--batch "$late_flows" --reply "$late_reply" --late-rx >/tmp/tlsnic-late-client.log 2>&1 ||
	{ cat /tmp/tlsnic-late-client.log /tmp/tlsnic-late-server.log >&2; fail "late TLS_RX flows failed"; }
wait "$late_pid" || { cat /tmp/tlsnic-late-server.log >&2; fail "ktls-soak server failed"; }
late_dec=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 ))
expect_eq "late TLS_RX rx_tls_start_queued delta" \
	$(( $(ethstat "$NS_B" tlsnic1 rx_tls_start_queued) - sq0 )) "$late_flows"
expect_eq "late TLS_RX rx_tls_ooo delta" $(( $(ethstat "$NS_B" tlsnic1 rx_tls_ooo) - ooo0 )) 0
# The receive window holds about 128 KiB of a reply before TLS_RX.
expect_ge "late TLS_RX rx_tls_decrypted_bytes delta" "$late_dec" $((late_flows * late_reply * 3 / 4))
note "late TLS_RX: $late_flows flows of $late_reply bytes intact, $late_dec bytes decrypted by tlsnic1 after the held data"

# RX offload off on the receiver: software kTLS RX, tlsnic1 decrypts nothing.
in_b ethtool -K tlsnic1 tls-hw-rx-offload off
rxs0=$(tls_stat "$NS_B" TlsRxSw)
rxd0=$(tls_stat "$NS_B" TlsRxDevice)
ctx0=$(ethstat "$NS_B" tlsnic1 rx_tls_ctx)
tls_server "$NS_A" --bytes "$v6bytes"
tls_client "$NS_B" "$A4" --bytes "$v6bytes"
expect_ge "offload-off TlsRxSw delta" $(( $(tls_stat "$NS_B" TlsRxSw) - rxs0 )) 1
expect_eq "offload-off TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 0
expect_eq "offload-off rx_tls_ctx delta" $(( $(ethstat "$NS_B" tlsnic1 rx_tls_ctx) - ctx0 )) 0

expect_eq "rx_tls_err" "$(ethstat "$NS_B" tlsnic1 rx_tls_err)" 0
expect_eq "TlsDecryptError" "$(tls_stat "$NS_B" TlsDecryptError)" 0
# The offloaded flows ran on this run's engine (26-tls-engines-soft runs this test on soft):
# 2 TX flows on the sender, 4 GETs and 4 IPv6 flows received.
engine_used "$NS_A" tlsnic0 tx 2
engine_used "$NS_B" tlsnic1 rx 8
# Records that arrived whole in one frame were opened in one operation on kcrypto, also those
# across two page blocks of the copy (a block ends every 32 KiB of a flow's received bytes); the
# soft engine always goes through the pieces.
whole=$(ethstat "$NS_B" tlsnic1 rx_tls_records_whole)
split=$(ethstat "$NS_B" tlsnic1 rx_tls_records_whole_split)
if [ "${TLSNIC_ENGINE:-kcrypto}" = soft ]; then
	expect_eq "rx_tls_records_whole on soft" "$whole" 0
	expect_eq "rx_tls_records_whole_split on soft" "$split" 0
else
	expect_ge "rx_tls_records_whole" "$whole" 100
	expect_ge "rx_tls_records_whole_split" "$split" 20
fi
note "records opened whole: $whole of $(ethstat "$NS_B" tlsnic1 rx_tls_records), $split of them across two page blocks"
ethtool_all >&2
wait_for -t 20 "$NS_B:tlsnic1:rx_tls_ctx_live=0" || fail "live RX contexts left"
cleanup_netns
unload
