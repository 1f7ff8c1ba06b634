#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: load tlsnic, put the two ends of a pair in two namespaces, move
# data across and show what the devices counted.
set -euo pipefail
ko=${1:?usage: demo.sh path/to/tlsnic.ko}
export TLSNIC_KO=$ko
. "$(dirname "$0")/../../tests/guest/lib.sh"

step() { printf '\n== %s\n' "$*"; }

step "guest kernel $(uname -r)"
insmod "$ko"
ip -br link show type tlsnic
ethtool -i tlsnic0 | head -n 2

step "tlsnic0 -> namespace $NS_A ($A4), tlsnic1 -> namespace $NS_B ($B4)"
netns_pair tlsnic0 tlsnic1
in_a ping -c 3 -i 0.2 "$B4"

step "64 MiB over TCP from $NS_A to $NS_B"
mkdata /tmp/tlsnic-demo 64
t0=$(date +%s.%N)
tcp_transfer /tmp/tlsnic-demo "$B4" 2>&1 | sed 's/^# //'
t1=$(date +%s.%N)
echo "transfer time: $(echo "$t1 - $t0" | bc) s"

step "counters"
in_a ip -s link show tlsnic0
in_b ip -s link show tlsnic1

cleanup_netns
rmmod tlsnic
step "done"
