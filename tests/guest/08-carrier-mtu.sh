#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Carrier follows the peer; the MTU can be set and is enforced at the receiver.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
ip link set tlsnic0 up
[ "$(carrier tlsnic0)" = 0 ] || fail "carrier with peer down"
has "$(ip link show tlsnic0)" NO-CARRIER || fail "NO-CARRIER not shown"
ip link set tlsnic1 up
[ "$(carrier tlsnic0)" = 1 ] && [ "$(carrier tlsnic1)" = 1 ] || fail "carrier with both up"
ip link set tlsnic1 down
[ "$(carrier tlsnic0)" = 0 ] || fail "carrier after peer down"
ip link set tlsnic1 up
[ "$(carrier tlsnic0)" = 1 ] || fail "carrier after peer up again"
ip link set tlsnic0 down
[ "$(carrier tlsnic1)" = 0 ] || fail "peer carrier after down"

netns_pair tlsnic0 tlsnic1
# Same large MTU on both ends: jumbo frames pass unfragmented.
in_a ip link set tlsnic0 mtu 9000
in_b ip link set tlsnic1 mtu 9000
in_a ping -c 2 -i 0.2 -W 2 -M "do" -s 8972 "$B4" >/dev/null || fail "9000-byte frames"
# Larger than the local MTU: refused locally.
! in_a ping -c 1 -W 1 -M "do" -s 9000 "$B4" >/dev/null 2>&1 || fail "frame above MTU sent"
# Receiver with a smaller MTU drops oversized frames.
in_b ip link set tlsnic1 mtu 1500
! in_a ping -c 2 -i 0.2 -W 1 -M "do" -s 8972 "$B4" >/dev/null 2>&1 || fail "oversized frame delivered"
in_a ping -c 2 -i 0.2 -W 2 -s 1472 "$B4" >/dev/null || fail "1500-byte frames"
# Limits
! in_a ip link set tlsnic0 mtu 67 2>/dev/null || fail "mtu 67 accepted"
! in_a ip link set tlsnic0 mtu 65536 2>/dev/null || fail "mtu 65536 accepted"
in_a ip link set tlsnic0 mtu 68 || fail "mtu 68 refused"
in_a ip link set tlsnic0 mtu 65535 || fail "mtu 65535 refused"
cleanup_netns
unload
