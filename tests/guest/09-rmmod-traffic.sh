#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rmmod while TCP traffic and a ping flood run across the pair: the module goes away cleanly.
. "$(dirname "$0")/lib.sh"

for round in 1 2 3; do
	load pairs=2
	netns_pair tlsnic0 tlsnic1
	start_traffic
	ip link set tlsnic2 up
	ip link set tlsnic3 up
	sleep 2
	tx=$(in_a cat /sys/class/net/tlsnic0/statistics/tx_bytes)
	[ "$tx" -gt 1000000 ] || fail "no traffic before rmmod (tx_bytes $tx)"
	unload || fail "rmmod failed (round $round)"
	! loaded || fail "module still loaded"
	[ "$(ip -all netns exec ip -o link show type tlsnic 2>/dev/null | grep -cE '^[0-9]+: ')" = 0 ] ||
		fail "devices left in a namespace"
	stop_traffic
	cleanup_netns
done
