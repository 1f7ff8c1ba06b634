#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 256 MiB over TCP across two namespaces, byte-exact (sha256), IPv4 and IPv6; stats agree.
. "$(dirname "$0")/lib.sh"

load
netns_pair tlsnic0 tlsnic1
mkdata /tmp/tlsnic-256m 256
t0=$(date +%s.%N)
tcp_transfer /tmp/tlsnic-256m "$B4"
t1=$(date +%s.%N)
note "IPv4: 256 MiB in $(echo "$t1 - $t0" | bc) s"
mkdata /tmp/tlsnic-32m 32
tcp_transfer /tmp/tlsnic-32m "[$B6]"
# Every frame one end sent was received by the other. Background frames (neighbour
# discovery, late ACKs) may be in flight between two reads: compare until the link is quiet.
for _ in $(seq 20); do
	txb=$(in_a cat /sys/class/net/tlsnic0/statistics/tx_bytes)
	rxb=$(in_b cat /sys/class/net/tlsnic1/statistics/rx_bytes)
	[ "$txb" = "$rxb" ] && break
	sleep 0.5
done
[ "$rxb" -ge $((288 * 1048576)) ] || fail "rx_bytes $rxb too small"
[ "$txb" = "$rxb" ] || fail "tx_bytes $txb != peer rx_bytes $rxb"
rm -f /tmp/tlsnic-32m
cleanup_netns
unload
