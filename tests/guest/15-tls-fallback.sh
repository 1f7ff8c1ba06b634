#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Flows the device does not take stay on software kTLS and work, on both the sending (tlsnic0)
# and the receiving (tlsnic1) side: TLS 1.3, ChaCha20-Poly1305, and any flow while
# tls-hw-tx-offload / tls-hw-rx-offload is off. The counters show no device use for them.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
k=$(in_a ethtool -k tlsnic0)
has "$k" $'\ntls-hw-tx-offload: on' || fail "tls-hw-tx-offload not on"
has "$(in_b ethtool -k tlsnic1)" $'\ntls-hw-rx-offload: on' || fail "tls-hw-rx-offload not on"

# sw_flow NAME DIRS ARGS...: one verified flow that must use software kTLS, not the device, for
# transmit (DIRS tx), receive (rx) or both (txrx).
sw_flow() {
	local name=$1 dirs=$2 d0 s0 c0 rd0 rs0 rc0; shift 2
	d0=$(tls_stat "$NS_A" TlsTxDevice); s0=$(tls_stat "$NS_A" TlsTxSw)
	c0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
	rd0=$(tls_stat "$NS_B" TlsRxDevice); rs0=$(tls_stat "$NS_B" TlsRxSw)
	rc0=$(ethstat "$NS_B" tlsnic1 rx_tls_ctx)
	tls_server "$NS_A" --bytes 1048576 "$@"
	tls_client "$NS_B" "$A4" --bytes 1048576 "$@"
	file_has /tmp/tlsnic-server.log 'ktls_tx=1' || fail "$name: kTLS TX not enabled"
	[[ $dirs != *rx* ]] || file_has /tmp/tlsnic-client.log 'ktls_rx=1' || fail "$name: kTLS RX not enabled"
	if [[ $dirs == *tx* ]]; then
		expect_eq "$name TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 0
		expect_eq "$name TlsTxSw delta" $(( $(tls_stat "$NS_A" TlsTxSw) - s0 )) 1
		expect_eq "$name tx_tls_ctx delta" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - c0 )) 0
	fi
	if [[ $dirs == *rx* ]]; then
		expect_eq "$name TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rd0 )) 0
		expect_eq "$name TlsRxSw delta" $(( $(tls_stat "$NS_B" TlsRxSw) - rs0 )) 1
		expect_eq "$name rx_tls_ctx delta" $(( $(ethstat "$NS_B" tlsnic1 rx_tls_ctx) - rc0 )) 0
	fi
	note "$name: software kTLS ($dirs), 1 MiB ok"
}

# OpenSSL 3.0 enables kTLS receive for TLS 1.2 only.
sw_flow "TLS 1.3" tx --tls13
sw_flow "TLS 1.2 ChaCha20" txrx --cipher ECDHE-ECDSA-CHACHA20-POLY1305
in_a ethtool -K tlsnic0 tls-hw-tx-offload off
has "$(in_a ethtool -k tlsnic0)" $'\ntls-hw-tx-offload: off' || fail "cannot turn offload off"
in_b ethtool -K tlsnic1 tls-hw-rx-offload off
has "$(in_b ethtool -k tlsnic1)" $'\ntls-hw-rx-offload: off' || fail "cannot turn RX offload off"
sw_flow "offload off" txrx --cipher ECDHE-ECDSA-AES128-GCM-SHA256
in_a ethtool -K tlsnic0 tls-hw-tx-offload on
in_b ethtool -K tlsnic1 tls-hw-rx-offload on
d0=$(tls_stat "$NS_A" TlsTxDevice)
rd0=$(tls_stat "$NS_B" TlsRxDevice)
tls_server "$NS_A" --bytes 1048576
tls_client "$NS_B" "$A4" --bytes 1048576
expect_eq "offload back on: TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 1
expect_eq "offload back on: TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rd0 )) 1
# Without checksum offload the core withdraws TLS offload.
in_a ethtool -K tlsnic0 tx-checksum-ip-generic off >/dev/null
has "$(in_a ethtool -k tlsnic0)" $'\ntls-hw-tx-offload: off' || fail "TLS offload without csum"
in_a ethtool -K tlsnic0 tx-checksum-ip-generic on tls-hw-tx-offload on >/dev/null
# ... and receive offload without receive checksum offload.
in_b ethtool -K tlsnic1 rx-checksumming off >/dev/null
has "$(in_b ethtool -k tlsnic1)" $'\ntls-hw-rx-offload: off' || fail "TLS RX offload without rxcsum"
sw_flow "no rx-checksumming" rx --cipher ECDHE-ECDSA-AES128-GCM-SHA256
in_b ethtool -K tlsnic1 rx-checksumming on tls-hw-rx-offload on >/dev/null
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
