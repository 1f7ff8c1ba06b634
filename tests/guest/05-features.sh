#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Offloads advertised (checksum, SG, TSO/GSO, kTLS TX and RX) and ethtool/stats interfaces.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
k=$(ethtool -k tlsnic0)
for f in tx-checksum-ip-generic rx-checksumming scatter-gather tcp-segmentation-offload \
	tx-tcp6-segmentation generic-segmentation-offload tls-hw-tx-offload tls-hw-rx-offload; do
	has "$k" $'\n'"$f: on" || has "$k" $'\n\t'"$f: on" || fail "$f not on"
done
has_line "$(ethtool -i tlsnic1)" 'driver: tlsnic' || fail "driver name"
# Offloads are user-togglable.
ethtool -K tlsnic0 tso off
has "$(ethtool -k tlsnic0)" $'\ntcp-segmentation-offload: off' || fail "tso off"
ethtool -K tlsnic0 tso on
ethtool -K tlsnic0 tls-hw-rx-offload off
has "$(ethtool -k tlsnic0)" $'\ntls-hw-rx-offload: off' || fail "tls-hw-rx-offload off"
ethtool -K tlsnic0 tls-hw-rx-offload on
# The core requires receive checksum offload for TLS receive offload.
ethtool -K tlsnic0 rx-checksumming off
has "$(ethtool -k tlsnic0)" $'\ntls-hw-rx-offload: off' || fail "tls-hw-rx-offload on without rxcsum"
ethtool -K tlsnic0 rx-checksumming on tls-hw-rx-offload on
has "$(ethtool -k tlsnic0)" $'\ntls-hw-rx-offload: on' || fail "tls-hw-rx-offload back on"
# Every device has its fault-injection knobs in debugfs.
for f in drop_ppm reorder_ppm duplicate_ppm corrupt_ppm seed; do
	[ -f "/sys/kernel/debug/tlsnic/tlsnic0/$f" ] || fail "debugfs knob $f missing"
done
attr_is /sys/kernel/debug/tlsnic/tlsnic1/drop_ppm 0 || fail "faults on by default"
# MAC address can be changed while up.
ip link set tlsnic0 up
ip link set tlsnic0 address 02:11:22:33:44:55
attr_is /sys/class/net/tlsnic0/address 02:11:22:33:44:55 || fail "mac change"
unload
