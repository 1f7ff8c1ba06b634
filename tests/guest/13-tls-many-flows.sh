#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 64 concurrent offloaded flows, each with its own stream, each verified; every context is
# released afterwards.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
c0=$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)
d0=$(tls_stat "$NS_A" TlsTxDevice)
tls_server "$NS_A" --conns 64 --bytes 262144 --wsize 1000-16384
tls_client "$NS_B" "$A4" --conns 64 --bytes 262144
[ "$(grep -c ' ok 262144 ' /tmp/tlsnic-client.log)" = 64 ] || fail "not 64 verified flows"
expect_ge "tx_tls_ctx delta" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ctx) - c0 )) 64
expect_ge "TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - d0 )) 64
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
expect_ge "tx_tls_del" "$(ethstat "$NS_A" tlsnic0 tx_tls_del)" 64
cleanup_netns
unload
