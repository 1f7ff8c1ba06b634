#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Deleting the namespace that holds one end deletes the pair, also while the other end transmits.
. "$(dirname "$0")/lib.sh"

load pairs=2
netns_pair tlsnic0 tlsnic1
start_traffic
sleep 2
# The namespace dies once nothing holds it: end its only process, then drop its name.
pkill -f "TCP-LISTEN:$PORT" || true
ip netns del "$NS_B"
retry 100 sh -c "! ip -n $NS_A link show tlsnic0 >/dev/null 2>&1" || fail "tlsnic0 survived its peer's namespace"
stop_traffic
# The other pair is untouched.
ip link show tlsnic2 >/dev/null && ip link show tlsnic3 >/dev/null || fail "other pair gone"
ip netns del "$NS_A"

# Both ends in one namespace, which is deleted.
ip netns add "$NS_A"
ip link set tlsnic2 netns "$NS_A"
ip link set tlsnic3 netns "$NS_A"
ip -n "$NS_A" link set tlsnic2 up
ip -n "$NS_A" link set tlsnic3 up
ip netns del "$NS_A"
retry 100 sh -c '[ "$(ls -d /sys/class/net/tlsnic* 2>/dev/null | wc -l)" = 0 ]' || fail "devices left"

# A pair created by ip link inside a namespace, one end moved out, then the namespace deleted.
ip netns add "$NS_A"
ip -n "$NS_A" link add x0 type tlsnic
ip -n "$NS_A" link set x0-p netns 1
ip link show x0-p >/dev/null || fail "x0-p not moved"
ip -d link show x0-p | grep -q link-netns || fail "x0-p does not show its peer's namespace"
ip netns del "$NS_A"
retry 100 sh -c "! ip link show x0-p >/dev/null 2>&1" || fail "x0-p survived its peer's namespace"
unload
