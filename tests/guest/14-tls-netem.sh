#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loss, reordering and duplication on the sender's device (netem): retransmitted segments go
# through the out-of-order path (tx_tls_ooo rises) and the data still arrives intact.
. "$(dirname "$0")/lib.sh"

tls_pair
in_a tc qdisc add dev tlsnic0 root netem delay 1ms loss 2% duplicate 1% reorder 10% 50%
tls_server "$NS_A" --bytes $((8 * 1048576)) --wsize 1-16384 --seed 5
tls_client "$NS_B" "$A4" --bytes $((8 * 1048576))
grep -q 'ktls_tx=1' /tmp/tlsnic-server.log || fail "kTLS TX not enabled"
ooo=$(ethstat "$NS_A" tlsnic0 tx_tls_ooo)
note "tx_tls_ooo $ooo, cipher bytes $(ethstat "$NS_A" tlsnic0 tx_tls_cipher_bytes)," \
	"encrypted bytes $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)," \
	"drop_no_sync $(ethstat "$NS_A" tlsnic0 tx_tls_drop_no_sync_data)"
expect_ge "tx_tls_ooo" "$ooo" 1
# sendfile too, zerocopy (page-cache pages must never be encrypted in place).
tls_server "$NS_A" --bytes $((8 * 1048576)) --sendfile --zerocopy --seed 11
tls_client "$NS_B" "$A4" --bytes $((8 * 1048576))
in_a tc qdisc del dev tlsnic0 root
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
live_ctx_zero "$NS_A" tlsnic0
cleanup_netns
unload
