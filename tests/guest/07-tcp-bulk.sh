#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bulk TCP across two namespaces, byte-exact, IPv4 and IPv6; every frame one end sent
# the other received (tx_bytes = peer rx_bytes). 16 MiB over IPv4 and 4 MiB over IPv6 (256 and
# 32 at long scale): thousands of frames each way, which is what the byte count and the
# byte-exact comparison need (the debug kernel under TCG moves 2 to 3 MB/s).
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

MIB4=$(scaled 16 256)
MIB6=$(scaled 4 32)
load
netns_pair tlsnic0 tlsnic1
mkdata "/tmp/tlsnic-data-$MIB4" "$MIB4"
t0=$EPOCHREALTIME
tcp_transfer "/tmp/tlsnic-data-$MIB4" "$B4"
note "IPv4: $MIB4 MiB in $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"
mkdata "/tmp/tlsnic-data-$MIB6" "$MIB6"
tcp_transfer "/tmp/tlsnic-data-$MIB6" "[$B6]"
# Every frame one end sent was received by the other. Background frames (neighbour
# discovery, late ACKs) may be in flight between two reads: compare until the link is quiet.
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	probes v "$NS_A:tlsnic0:if.tx_bytes" "$NS_B:tlsnic1:if.rx_bytes"
	txb=${v[0]} rxb=${v[1]}
	[ "$txb" = "$rxb" ] && break
	nap 0.5
done
[ "$rxb" -ge $(( (MIB4 + MIB6) * 1048576 )) ] || fail "rx_bytes $rxb too small"
[ "$txb" = "$rxb" ] || fail "tx_bytes $txb != peer rx_bytes $rxb"
cleanup_netns
unload
