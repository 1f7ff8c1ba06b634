#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite: host unit tests of the core crate, then the in-guest suite on the test
# (KASAN, lockdep, kmemleak) kernel. Installs and builds whatever is missing first.
# Ends with the summary line "N passed, N failed" over both parts.
#
#   scripts/check.sh [GUEST_TEST_REGEX]     # e.g. "18|19" runs only the matching guest tests
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
t_start=$(date +%s)
mkdir -p "$TLSNIC_ROOT/build"

"$here/setup.sh" || die "setup failed"

log "host tests (cargo test, rust/core)"
hlog=$TLSNIC_ROOT/build/check-host.log
"$here/host-test.sh" 2>&1 | tee "$hlog"
hrc=${PIPESTATUS[0]}
hpass=$(grep -Eo '[0-9]+ passed' "$hlog" | awk '{s += $1} END {print s + 0}')
hfail=$(grep -Eo '[0-9]+ failed' "$hlog" | awk '{s += $1} END {print s + 0}')
if [ "$hrc" -ne 0 ] && [ "$hfail" -eq 0 ]; then hfail=1; fi

"$here/build-kernel.sh" test >/dev/null || die "kernel build failed"
t_kernel=$(date +%s)
ko=$("$here/build-module.sh" test) || die "module build failed"
"$here/build-samples.sh" >/dev/null || die "samples build failed"

log "guest tests (test kernel, QEMU)"
glog=$TLSNIC_ROOT/build/check-guest.log
t_boot=$(date +%s)
"$TLSNIC_ROOT/qemu/run.sh" -- tests/run-guest.sh "$ko" "${1:-}" 2>&1 | tee "$glog"
grc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$glog" | tail -n 1)
if [ -n "$summary" ]; then
	gpass=${summary%% passed*}
	gfail=${summary#*, }; gfail=${gfail%% failed*}
else
	gpass=0 gfail=1
	log "the guest suite did not finish (exit status $grc)"
fi
if [ "$grc" -ne 0 ] && [ "$gfail" -eq 0 ]; then gfail=1; fi

t_end=$(date +%s)
log "times: total $((t_end - t_start)) s (kernel ready after $((t_kernel - t_start)) s, guest run $((t_end - t_boot)) s)"
log "host: $hpass passed, $hfail failed; guest: $gpass passed, $gfail failed"
echo "$((hpass + gpass)) passed, $((hfail + gfail)) failed"
[ $((hfail + gfail)) -eq 0 ]
