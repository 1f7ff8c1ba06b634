#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Raw setsockopt kTLS setup with malformed crypto_info (sizes, versions, ciphers, directions,
# twice, before connect) over a tlsnic route: every call gets its documented errno, valid
# offloadable setups reach the device, and the data path copes with what they send.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
netns_pair tlsnic0 tlsnic1
in_b socat -u TCP-LISTEN:$PORT,reuseaddr,fork - >/dev/null 2>&1 &
wait_listen "$NS_B" "$PORT" || fail "listener did not start"
c0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
in_a "$SAMPLES/ktls-badinput" "$B4" "$PORT" >&2 || fail "unexpected setsockopt results"
# Exactly the TLS 1.2 AES-GCM TX setups reached the device: AES-GCM-128, AES-GCM-256,
# "TLS_TX first" and "TLS_TX after shutdown".
expect_eq "tx_tls_ctx delta" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - c0 )) 4
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
stop_traffic
cleanup_netns
unload
