#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Offloads advertised (checksum, SG, TSO/GSO) and ethtool/stats interfaces.
. "$(dirname "$0")/lib.sh"

load
k=$(ethtool -k tlsnic0)
for f in tx-checksum-ip-generic rx-checksumming scatter-gather tcp-segmentation-offload \
	tx-tcp6-segmentation generic-segmentation-offload; do
	echo "$k" | grep -q "^$f: on" || echo "$k" | grep -q "^	$f: on" || fail "$f not on"
done
ethtool -i tlsnic1 | grep -qx 'driver: tlsnic' || fail "driver name"
# Offloads are user-togglable.
ethtool -K tlsnic0 tso off
ethtool -k tlsnic0 | grep -q '^tcp-segmentation-offload: off' || fail "tso off"
ethtool -K tlsnic0 tso on
# MAC address can be changed while up.
ip link set tlsnic0 up
ip link set tlsnic0 address 02:11:22:33:44:55
[ "$(cat /sys/class/net/tlsnic0/address)" = 02:11:22:33:44:55 ] || fail "mac change"
unload
