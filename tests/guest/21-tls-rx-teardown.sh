#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Teardown with receive-offloaded flows alive: the receiving link goes down under a flow (the
# kernel deletes the device context and the flow finishes in software), RX offload is toggled
# under flows, the receiver's namespace is deleted, and the module is removed while RX-offloaded
# flows are transferring. No kernel report, no leak, no context left. Each teardown waits until
# the receiving device has decrypted part of the flows (1 MiB, 4 MiB for the namespace deletion
# and the rmmod: a counter, not a fixed sleep); the link-down flow is 8 MiB (64 at long scale).
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

MIB=1048576
tls_pair

# Link down on the receiver under a transfer.
mib=$(scaled 8 64)
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
tls_server "$NS_A" --bytes $((mib * MIB))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((mib * MIB)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 60 "$NS_B:tlsnic1:rx_tls_ctx_live=1" "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((dec0 + MIB))" ||
	fail "no live RX context decrypting"
in_b ip link set tlsnic1 down
expect_eq "live RX contexts after link down" "$(ethstat "$NS_B" tlsnic1 rx_tls_ctx_live)" 0
in_b ip link set tlsnic1 up
wait_for -t 10 "$NS_B:tlsnic1:carrier=1" || fail "no carrier"
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow did not survive link down"; }
wait "$SERVER_PID" || fail "server failed after link down"
grep -q "ok $((mib * MIB)) ktls_rx=1" /tmp/tlsnic-client.log || fail "stream not verified"
note "link down: flow finished in software ($(</tmp/tlsnic-client.log))"

# RX offload toggled off/on under running flows: they keep their device context and finish.
tls_server "$NS_A" --conns 4 --bytes $((4 * MIB))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 4 --bytes $((4 * MIB)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
for _ in 1 2 3 4 5; do
	in_b ethtool -K tlsnic1 tls-hw-rx-offload off
	nap 0.3
	in_b ethtool -K tlsnic1 tls-hw-rx-offload on
	nap 0.3
done
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flows failed across RX offload toggles"; }
wait "$SERVER_PID" || fail "server failed across RX offload toggles"
live_ctx_zero "$NS_B" tlsnic1

# The receiver's namespace deleted under RX-offloaded flows (their processes killed first: a
# namespace dies once nothing holds it). The pair goes with it.
tls_server "$NS_A" --conns 4 --bytes $((256 * MIB))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 4 --bytes $((256 * MIB)) >/dev/null 2>&1 &
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
wait_for -t 60 "$NS_B:tlsnic1:rx_tls_ctx_live>=2" "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((dec0 + 4 * MIB))" ||
	fail "RX flows did not start"
ns_kill "$NS_B"
ip netns del "$NS_B"
wait_for -t 20 "$NS_A:tlsnic0:exists=0" || fail "tlsnic0 survived its peer's namespace"
flows_live_zero "after the namespace deletion"
stop_traffic
cleanup_netns
unload

# Module removal with RX-offloaded flows mid-transfer.
tls_pair
tls_server "$NS_A" --conns 8 --bytes $((256 * MIB))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 8 --bytes $((256 * MIB)) >/dev/null 2>&1 &
dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
wait_for -t 60 "$NS_B:tlsnic1:rx_tls_ctx_live>=4" "$NS_B:tlsnic1:rx_tls_decrypted_bytes>=$((dec0 + 4 * MIB))" ||
	fail "RX flows did not start"
unload || fail "rmmod with live RX flows"
loaded && fail "module still loaded"
stop_traffic
cleanup_netns
