#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# IPv4 and IPv6 ping across the pair, each end in its own network namespace.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
netns_pair tlsnic0 tlsnic1
in_a ping -c 3 -i 0.2 -W 2 "$B4" >/dev/null || fail "IPv4 ping"
in_b ping -c 3 -i 0.2 -W 2 "$A4" >/dev/null || fail "IPv4 ping back"
in_a ping -6 -c 3 -i 0.2 -W 2 "$B6" >/dev/null || fail "IPv6 ping"
# Link-netns of each end is the other namespace.
has "$(in_a ip -d link show tlsnic0)" link-netns || fail "link-netns not shown"
# Counters move on both ends.
rx=$(in_b cat /sys/class/net/tlsnic1/statistics/rx_packets)
tx=$(in_a cat /sys/class/net/tlsnic0/statistics/tx_packets)
[ "$rx" -ge 6 ] && [ "$tx" -ge 6 ] || fail "counters rx=$rx tx=$tx"
cleanup_netns
unload
