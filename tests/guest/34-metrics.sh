#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Documentation/metrics.rst names the counters that answer an operator's questions: every
# ethtool statistic it names (tx_*, rx_*, block_*, wire_*) exists in `ethtool -S` of a tlsnic
# device, and every Tls* name in /proc/net/tls_stat, so the page cannot drift from the module.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

load
doc=$(<"$TLSNIC_ROOT/Documentation/metrics.rst")
stats=$'\n'$(ethtool -S tlsnic0)$'\n'
tls=$'\n'$(</proc/net/tls_stat)$'\n'
n=0
while [[ $doc =~ \`\`([A-Za-z_0-9]+)\`\`(.*) ]]; do
	name=${BASH_REMATCH[1]}
	doc=${BASH_REMATCH[2]}
	case $name in
	tx_*|rx_*|block_*|wire_*)
		[[ $stats == *$'\n'"     $name: "* ]] || fail "metrics.rst names $name, not in ethtool -S"
		n=$((n + 1)) ;;
	Tls*)
		[[ $tls == *$'\n'"$name"[[:space:]]* ]] || fail "metrics.rst names $name, not in /proc/net/tls_stat"
		n=$((n + 1)) ;;
	esac
done
expect_ge "counters named in metrics.rst" "$n" 30
note "$n counter names in metrics.rst checked"
unload
