#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Loading creates one linked pair by default; unloading removes it.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
loaded || fail "module not loaded"
out=$(ip -d link show tlsnic0) || fail "tlsnic0 missing"
ip link show tlsnic1 >/dev/null || fail "tlsnic1 missing"
ndevs_is 2 || fail "expected exactly 2 devices"
attr_is /sys/module/tlsnic/parameters/pairs 1 || fail "pairs parameter not 1"
# The ends point at each other (iflink = peer's ifindex).
attrs_equal /sys/class/net/tlsnic0/iflink /sys/class/net/tlsnic1/ifindex || fail "tlsnic0 iflink"
attrs_equal /sys/class/net/tlsnic1/iflink /sys/class/net/tlsnic0/ifindex || fail "tlsnic1 iflink"
has "$out" 'link/ether' && has "$out" ' tlsnic ' || fail "link kind not shown"
has "$out" 'tlsnic0@tlsnic1' || fail "peer not shown by ip link"
# ethtool driver info
has_line "$(ethtool -i tlsnic0)" 'driver: tlsnic' || fail "ethtool -i driver"
unload
! loaded || fail "module still loaded"
! ip link show tlsnic0 2>/dev/null || fail "tlsnic0 survived rmmod"
# Load/unload cycles
for _ in 1 2 3; do load; ip link set tlsnic0 up; ip link set tlsnic1 up; unload; done
