#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Flows the device does not take stay on software kTLS and work: TLS 1.3, ChaCha20-Poly1305,
# and any flow while tls-hw-tx-offload is off. The counters show no device use for them.
. "$(dirname "$0")/lib.sh"

tls_pair
k=$(in_a ethtool -k tlsnic0)
echo "$k" | grep -q '^tls-hw-tx-offload: on' || fail "tls-hw-tx-offload not on"

# sw_flow NAME ARGS...: one verified flow that must use software kTLS TX, not the device.
sw_flow() {
	local name=$1 d0 s0 c0; shift
	d0=$(tls_stat "$NS_A" TlsTxDevice); s0=$(tls_stat "$NS_A" TlsTxSw)
	c0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
	tls_server "$NS_A" --bytes 1048576 "$@"
	tls_client "$NS_B" "$A4" --bytes 1048576 "$@"
	grep -q 'ktls_tx=1' /tmp/tlsnic-server.log || fail "$name: kTLS TX not enabled"
	expect_eq "$name TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 0
	expect_eq "$name TlsTxSw delta" $(( $(tls_stat "$NS_A" TlsTxSw) - s0 )) 1
	expect_eq "$name tx_tls_ctx delta" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - c0 )) 0
	note "$name: software kTLS, 1 MiB ok"
}

sw_flow "TLS 1.3" --tls13
sw_flow "TLS 1.2 ChaCha20" --cipher ECDHE-ECDSA-CHACHA20-POLY1305
in_a ethtool -K tlsnic0 tls-hw-tx-offload off
in_a ethtool -k tlsnic0 | grep -q '^tls-hw-tx-offload: off' || fail "cannot turn offload off"
sw_flow "offload off" --cipher ECDHE-ECDSA-AES128-GCM-SHA256
in_a ethtool -K tlsnic0 tls-hw-tx-offload on
d0=$(tls_stat "$NS_A" TlsTxDevice)
tls_server "$NS_A" --bytes 1048576
tls_client "$NS_B" "$A4" --bytes 1048576
expect_eq "offload back on: TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 1
# Without checksum offload the core withdraws TLS offload.
in_a ethtool -K tlsnic0 tx-checksum-ip-generic off >/dev/null
in_a ethtool -k tlsnic0 | grep -q '^tls-hw-tx-offload: off' || fail "TLS offload without csum"
in_a ethtool -K tlsnic0 tx-checksum-ip-generic on tls-hw-tx-offload on >/dev/null
live_ctx_zero "$NS_A" tlsnic0
cleanup_netns
unload
