#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rmmod while TCP traffic and a ping flood run across the pair (once more than a megabyte has
# crossed): the module goes away cleanly, three times.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

for round in 1 2 3; do
	load pairs=2
	netns_pair tlsnic0 tlsnic1
	start_traffic
	ip link set tlsnic2 up
	ip link set tlsnic3 up
	wait_for -t 30 "$NS_A:tlsnic0:if.tx_bytes>1000000" || fail "no traffic before rmmod"
	unload || fail "rmmod failed (round $round)"
	! loaded || fail "module still loaded"
	for ns in "$NS_A" "$NS_B"; do
		[ -z "$(ip -n "$ns" -o link show type tlsnic 2>/dev/null)" ] || fail "devices left in $ns"
	done
	stop_traffic
	cleanup_netns
done
