#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# pairs=N creates N pairs tlsnic(2i) <-> tlsnic(2i+1); pairs=0 creates none.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load pairs=4
ndevs_is 8 || fail "expected 8 devices"
for i in 0 2 4 6; do
	j=$((i + 1))
	attrs_equal "/sys/class/net/tlsnic$i/iflink" "/sys/class/net/tlsnic$j/ifindex" ||
		fail "tlsnic$i is not linked to tlsnic$j"
	attrs_equal "/sys/class/net/tlsnic$j/iflink" "/sys/class/net/tlsnic$i/ifindex" ||
		fail "tlsnic$j is not linked to tlsnic$i"
done
attr_is /sys/module/tlsnic/parameters/pairs 4 || fail "pairs parameter"
unload
ndevs_is 0 || fail "devices left after rmmod"

load pairs=0
ndevs_is 0 || fail "pairs=0 created devices"
unload

load pairs=64
ndevs_is 128 || fail "pairs=64: expected 128 devices"
unload
