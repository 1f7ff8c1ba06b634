#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Smoke test (`make check-quick` runs only this one): the module loads, a pair comes up in two
# namespaces, and one TLS 1.2 AES-GCM flow of unmodified OpenSSL (tlsnic-tls) is offloaded at
# both ends: the sender's device encrypts it (TlsTxDevice, tx_tls_encrypted_bytes), the
# receiver's device decrypts it (TlsRxDevice, rx_tls_decrypted_bytes), the client verifies
# every byte, and both contexts are released. 4 MiB: enough for the receiving device to be in
# sync for most of the records.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

MIB=1048576
tls_pair
keys=("$NS_A:TlsTxDevice" "$NS_A:tlsnic0:tx_tls_encrypted_bytes" "$NS_B:TlsRxDevice"
	"$NS_B:tlsnic1:rx_tls_decrypted_bytes")
before=() after=()
probes before "${keys[@]}"
tls_server "$NS_A" --bytes $((4 * MIB))
tls_client "$NS_B" "$A4" --bytes $((4 * MIB))
grep -q "ok $((4 * MIB)) ktls_rx=1" /tmp/tlsnic-client.log || fail "stream not verified with kTLS RX"
probes after "${keys[@]}"
expect_eq "sender TlsTxDevice delta" $((after[0] - before[0])) 1
expect_ge "tx_tls_encrypted_bytes delta" $((after[1] - before[1])) $((4 * MIB))
expect_eq "receiver TlsRxDevice delta" $((after[2] - before[2])) 1
expect_ge "rx_tls_decrypted_bytes delta" $((after[3] - before[3])) $((2 * MIB))
note "4 MiB verified; tlsnic0 encrypted $((after[1] - before[1])) bytes, tlsnic1 decrypted $((after[3] - before[3]))"
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
