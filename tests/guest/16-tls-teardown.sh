#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Teardown with offloaded flows alive: the link goes down under a flow (the kernel moves it to
# software and deletes the device context), the offload is toggled under flows, and the module
# is removed while flows are transferring. No kernel report, no leak. Each teardown waits until
# the device has encrypted part of the flows (1 MiB, 4 MiB for the rmmod: a counter, not a fixed
# sleep); the link-down flow is 8 MiB (64 at long scale), so most of it is still to come.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
# Link down under a transfer: the flow continues in software once the link is back.
mib=$(scaled 8 64)
enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
tls_server "$NS_A" --bytes $((mib * 1048576)) --wsize 16384
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((mib * 1048576)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 60 "$NS_A:tlsnic0:tx_tls_ctx_live=1" "$NS_A:tlsnic0:tx_tls_encrypted_bytes>=$((enc0 + 1048576))" ||
	fail "no live context encrypting"
in_a ip link set tlsnic0 down
expect_eq "live contexts after link down" "$(ethstat "$NS_A" tlsnic0 tx_tls_ctx_live)" 0
in_a ip link set tlsnic0 up
wait_for -t 10 "$NS_A:tlsnic0:carrier=1" || fail "no carrier"
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow did not survive link down"; }
wait "$SERVER_PID" || fail "server failed after link down"
note "link down: flow finished in software ($(</tmp/tlsnic-client.log))"

# Offload toggled off/on under running flows: they keep their device context and finish.
tls_server "$NS_A" --conns 4 --bytes $((4 * 1048576))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 4 --bytes $((4 * 1048576)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
for _ in 1 2 3 4 5; do
	in_a ethtool -K tlsnic0 tls-hw-tx-offload off
	nap 0.3
	in_a ethtool -K tlsnic0 tls-hw-tx-offload on
	nap 0.3
done
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flows failed across offload toggles"; }
wait "$SERVER_PID" || fail "server failed across offload toggles"

# Module removal with offloaded flows mid-transfer.
tls_server "$NS_A" --conns 8 --bytes $((256 * 1048576))
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --conns 8 --bytes $((256 * 1048576)) >/dev/null 2>&1 &
enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
wait_for -t 60 "$NS_A:tlsnic0:tx_tls_ctx_live>=4" "$NS_A:tlsnic0:tx_tls_encrypted_bytes>=$((enc0 + 4 * 1048576))" ||
	fail "flows did not start"
unload || fail "rmmod with live flows"
loaded && fail "module still loaded"
# The flows lost their route with the devices: end them.
stop_traffic
cleanup_netns
