#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad values of pairs are refused with a clean error and leave nothing behind.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

for bad in 65 1000 4294967295 -1 abc 1x ''; do
	if out=$(insmod "$KO" "pairs=$bad" 2>&1); then
		fail "pairs='$bad' was accepted"
	fi
	note "pairs='$bad': $out"
	has "$out" 'Invalid argument' || has "$out" 'Invalid parameters' ||
		fail "pairs='$bad': unexpected error '$out'"
	! loaded || fail "module loaded after pairs='$bad'"
	ndevs_is 0 || fail "devices left after pairs='$bad'"
done
has "$(dmesg)" 'pairs=65 is out of range' || fail "no message for out-of-range pairs"
# The module still loads fine afterwards.
load pairs=1
unload
