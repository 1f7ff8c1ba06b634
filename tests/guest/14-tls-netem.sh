#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loss, reordering and duplication on the path: retransmitted segments go through the device's
# out-of-order path (tx_tls_ooo rises) and the data still arrives intact.
#
# 1. netem loss (and duplicate) on the offloading device itself. A delaying netem cannot sit
#    there: the core orphans delayed skbs, and skbs still marked for device encryption lose
#    their socket and are dropped by validate_xmit_skb (can_skb_orphan_partial() refuses TLS
#    device skbs), which is the kernel's rule for every TLS offload NIC. Duplicates made by
#    netem are clones without a socket and are dropped the same way.
# 2. Full netem (delay, reorder, loss, duplicate) one hop further, after encryption: A's
#    tlsnic0 -> tlsnic1 in a router namespace -> veth with netem -> receiver namespace.
# Sizes: 2 MiB through the lossy device, 1 MiB per mode through the router (8 and 4 at long
# scale): over a thousand segments each, so loss and reordering hit dozens of them.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

NS_R=tlsnic-r
NS_C=tlsnic-c
cleanup() { ip netns del "$NS_R" 2>/dev/null || true; ip netns del "$NS_C" 2>/dev/null || true; }
trap cleanup EXIT

tls_pair
in_a tc qdisc add dev tlsnic0 root netem loss 3% duplicate 1%
o0=$(ethstat "$NS_A" tlsnic0 tx_tls_ooo)
mib=$(scaled 2 8)
tls_server "$NS_A" --bytes $((mib * 1048576)) --wsize 1-16384 --seed 5
tls_client "$NS_B" "$A4" --bytes $((mib * 1048576))
file_has /tmp/tlsnic-server.log 'ktls_tx=1' || fail "kTLS TX not enabled"
note "netem on tlsnic0: $(ethtool_all | head -n 1)"
expect_ge "tx_tls_ooo delta (netem on the device)" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_ooo) - o0 )) 1
in_a tc qdisc del dev tlsnic0 root
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload

# Router topology: A (192.0.2.1, tlsnic0) -- (192.0.2.2, tlsnic1) R (198.51.100.1, vr0)
#                  -- (198.51.100.2, vc0) C
load
printf '%s\n' "netns add $NS_A" "netns add $NS_R" "netns add $NS_C" "link set tlsnic0 netns $NS_A" \
	"link set tlsnic1 netns $NS_R" | ip -batch - || fail "router topology"
printf '%s\n' "link add vr0 type veth peer name vc0 netns $NS_C" "addr add $B4/24 dev tlsnic1" \
	"addr add 198.51.100.1/24 dev vr0" "link set lo up" "link set tlsnic1 up" "link set vr0 up" |
	ip -n "$NS_R" -batch - || fail "router namespace"
printf '%s\n' "addr add $A4/24 dev tlsnic0" "link set lo up" "link set tlsnic0 up" \
	"route add default via $B4" | ip -n "$NS_A" -batch - || fail "sender namespace"
printf '%s\n' "addr add 198.51.100.2/24 dev vc0" "link set lo up" "link set vc0 up" \
	"route add default via 198.51.100.1" | ip -n "$NS_C" -batch - || fail "receiver namespace"
"$NSPROBE" exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
wait_for -t 10 "$NS_A:tlsnic0:carrier=1" || fail "no carrier"
ip -n "$NS_R" neigh flush all
"$NSPROBE" exec "$NS_R" tc qdisc add dev vr0 root netem delay 2ms 1ms loss 2% duplicate 1% reorder 10% 50%
o0=$(ethstat "$NS_A" tlsnic0 tx_tls_ooo)
for mode in "--wsize 1-16384 --seed 21" "--sendfile --zerocopy --seed 23"; do
	# shellcheck disable=SC2086
	tls_server "$NS_A" --bytes $(( $(scaled 1 4) * 1048576)) $mode
	tls_client "$NS_C" "$A4" --bytes $(( $(scaled 1 4) * 1048576))
	file_has /tmp/tlsnic-server.log 'ktls_tx=1' || fail "kTLS TX not enabled"
	note "netem after the device ($mode): $(</tmp/tlsnic-client.log)"
done
ooo=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_ooo) - o0 ))
note "$(ethtool_all | head -n 1)"
note "$("$NSPROBE" exec "$NS_R" tc -s qdisc show dev vr0 | grep -E 'dropped|Sent' | tr -s ' \n' ' ')"
expect_ge "tx_tls_ooo delta (netem after the device)" "$ooo" 1
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_R" tlsnic1
cleanup_netns
cleanup
unload
