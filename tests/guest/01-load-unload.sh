#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loading creates one linked pair by default; unloading removes it.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
loaded || fail "module not loaded"
ip link show tlsnic0 >/dev/null || fail "tlsnic0 missing"
ip link show tlsnic1 >/dev/null || fail "tlsnic1 missing"
[ "$(ls -d /sys/class/net/tlsnic* | wc -l)" = 2 ] || fail "expected exactly 2 devices"
[ "$(cat /sys/module/tlsnic/parameters/pairs)" = 1 ] || fail "pairs parameter not 1"
# The ends point at each other (iflink = peer's ifindex).
[ "$(cat /sys/class/net/tlsnic0/iflink)" = "$(cat /sys/class/net/tlsnic1/ifindex)" ] || fail "tlsnic0 iflink"
[ "$(cat /sys/class/net/tlsnic1/iflink)" = "$(cat /sys/class/net/tlsnic0/ifindex)" ] || fail "tlsnic1 iflink"
ip -d link show tlsnic0 | grep -q 'tlsnic' || fail "link kind not shown"
ip link show tlsnic0 | grep -q 'tlsnic0@tlsnic1' || fail "peer not shown by ip link"
# ethtool driver info
ethtool -i tlsnic0 | grep -qx 'driver: tlsnic' || fail "ethtool -i driver"
unload
! loaded || fail "module still loaded"
! ip link show tlsnic0 2>/dev/null || fail "tlsnic0 survived rmmod"
# Load/unload cycles
for _ in 1 2 3; do load; ip link set tlsnic0 up; ip link set tlsnic1 up; unload; done
