#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# ip link add NAME type tlsnic creates NAME and its peer NAME-p; deleting either deletes both.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load pairs=0
ip link add tn0 type tlsnic
ip link show tn0 >/dev/null || fail "tn0 missing"
ip link show tn0-p >/dev/null || fail "peer tn0-p missing"
attrs_equal /sys/class/net/tn0/iflink /sys/class/net/tn0-p/ifindex || fail "tn0 not linked"
has "$(ip -d link show tn0-p)" tlsnic || fail "peer kind"
ip link del tn0-p
! ip link show tn0 2>/dev/null || fail "deleting the peer left tn0"

# Without a name both ends take the next free tlsnicN.
ip link add type tlsnic
ip link show tlsnic0 >/dev/null && ip link show tlsnic1 >/dev/null || fail "unnamed pair"
ip link del tlsnic0
! ip link show tlsnic1 2>/dev/null || fail "tlsnic1 left"

# Options of ip link add apply to the named end.
ip link add tn1 mtu 9000 address 02:00:00:00:00:01 type tlsnic
attr_is /sys/class/net/tn1/mtu 9000 || fail "mtu attribute"
attr_is /sys/class/net/tn1/address 02:00:00:00:00:01 || fail "address attribute"
! attr_is /sys/class/net/tn1-p/address 02:00:00:00:00:01 || fail "peer shares the address"

# Errors: existing name, existing peer name, peer name too long, invalid MTU.
! ip link add tn1 type tlsnic 2>/dev/null || fail "duplicate name accepted"
ip link add tn2-p type veth peer name tn2-q
! ip link add tn2 type tlsnic 2>/dev/null || fail "peer name clash accepted"
ip link show tn2 2>/dev/null && fail "tn2 left after failed add"
ip link del tn2-p
out=$(ip link add abcdefghijklmn type tlsnic 2>&1) && fail "15-byte peer name accepted"
has "$out" 'peer name' || fail "no extack message: $out"
ip link add abcdefghijklm type tlsnic || fail "13-byte name refused"
ip link show abcdefghijklm-p >/dev/null || fail "longest peer name"
! ip link add tn3 mtu 67 type tlsnic 2>/dev/null || fail "mtu 67 accepted"
# A registration the core unwinds (its ifindex taken by then: the peer, registered first, takes
# the namespace's next free index, 2 in a new namespace) drops the private data once, through
# the destructor (KASAN and kmemleak would see a second drop or none); the peer goes too.
ip netns add tn-idx
out=$(ip -n tn-idx link add tn4 index 2 type tlsnic 2>&1) && fail "taken ifindex accepted"
[[ $out == *busy* ]] || fail "taken ifindex: $out (wanted EBUSY)"
[ "$(ip -n tn-idx -o link show | wc -l)" = 1 ] || fail "devices left after the unwound add"
ip netns del tn-idx
! ip link add tn3 mtu 65536 type tlsnic 2>/dev/null || fail "mtu 65536 accepted"

# Many pairs (one netlink request each, from one `ip -batch`), then rmmod removes everything
# created through netlink too.
for i in {10..40}; do echo "link add t$i type tlsnic"; done | ip -batch - || fail "ip -batch"
[ "$(ip -o link show type tlsnic | wc -l)" = $(( 2 * 31 + 4 )) ] || fail "device count"
unload
[ "$(ip -o link show type tlsnic 2>/dev/null | wc -l)" = 0 ] || fail "devices left after rmmod"
