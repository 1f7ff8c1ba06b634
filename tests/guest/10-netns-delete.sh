#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Deleting the namespace that holds one end deletes the pair, also while the other end transmits.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load pairs=2
netns_pair tlsnic0 tlsnic1
start_traffic
wait_for -t 30 "$NS_A:tlsnic0:if.tx_bytes>1000000" || fail "no traffic"
# The namespace dies once nothing holds it: end its only process, then drop its name.
ns_kill "$NS_B"
ip netns del "$NS_B"
wait_for -t 20 "$NS_A:tlsnic0:exists=0" || fail "tlsnic0 survived its peer's namespace"
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
wait_until 100 'ndevs_is 0' || fail "devices left"

# A pair created by ip link inside a namespace, one end moved out, then the namespace deleted.
ip netns add "$NS_A"
ip -n "$NS_A" link add x0 type tlsnic
ip -n "$NS_A" link set x0-p netns 1
ip link show x0-p >/dev/null || fail "x0-p not moved"
has "$(ip -d link show x0-p)" link-netns || fail "x0-p does not show its peer's namespace"
ip netns del "$NS_A"
wait_for -t 20 ":x0-p:exists=0" || fail "x0-p survived its peer's namespace"
unload
