#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test suite: host unit tests of the core crate and its fuzz target, the linters, then the
# in-guest suite on the test (KASAN, lockdep, kmemleak) kernel. Installs and builds whatever is missing
# first. Ends with a time table (under "slowest tests:") and the summary line
# "N passed, N failed" over every part.
#
#   scripts/check.sh [GUEST_TEST_REGEX]           # make check; e.g. '18|19' runs only those
#   scripts/check.sh --quick                      # make check-quick: unit tests, module, smoke
#   scripts/check.sh --long [GUEST_TEST_REGEX]    # make check-long: the scale tests at full size
#
# Counting: host unit tests from cargo's own "test result:" lines (a test binary that did not
# report counts as one failure), the fuzz run and each linter (scripts/lint.sh: shellcheck,
# rustfmt, clippy of the core crate and of the module, checkpatch) and each build check
# (scripts/build-checks.sh: a foreign rustc refused clearly, the dkms build) by its exit
# status, guest tests from the runners' TAP lines: every test the filter selects must report once, and each
# guest must report as many tests as its plan line says (a test without a TAP line counts as
# failed). TLSNIC_GUESTS guests (default: one per two host CPUs) share the guest tests.
# Nothing a test prints can change the counts: the runner indents every line of a test's
# output.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

mode=check
case "${1:-}" in
--quick) mode=quick; shift ;;
--long) mode=long; shift ;;
esac
filter=${1:-}
[ "$mode" = quick ] && filter='^00-'

now() { echo "${EPOCHREALTIME/./}"; }
t0=$(now)
secs() { echo $(( ($2 - $1 + 500000) / 1000000 )); }
mkdir -p "$TLSNIC_ROOT/build"
declare -A took	# part -> seconds
table=()	# "SECS<TAB>WHAT" for the slowest-tests table

t=$(now)
"$here/setup.sh" || die "setup failed"
took[setup]=$(secs "$t" "$(now)")

# --- Host: cargo test ---------------------------------------------------------------------
log "host tests (cargo test, rust/core)"
hlog=$TLSNIC_ROOT/build/check-host.log
t=$(now)
"$here/host-test.sh" --no-fail-fast 2>&1 | tee "$hlog"
hrc=${PIPESTATUS[0]}
took[cargo]=$(secs "$t" "$(now)")
read -r hpass hfail < <(grep -E '^test result: (ok|FAILED)\. [0-9]+ passed; [0-9]+ failed;' "$hlog" |
	sed -E 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed;.*/\1 \2/' |
	awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
if [ "$hrc" -ne 0 ] && [ "$hfail" -eq 0 ]; then
	log "cargo test failed without a failing test result (build error or crash): counted as 1 failure"
	hfail=1
fi
table+=("${took[cargo]}	host: cargo test ($hpass passed, $hfail failed)")

# --- Host: fuzz -------------------------------------------------------------------------
fpass=0 ffail=0
if [ "$mode" != quick ]; then
	t=$(now)
	if [ "$mode" = long ]; then export TLSNIC_FUZZ_TIME=${TLSNIC_FUZZ_TIME:-120}; fi
	if "$here/fuzz.sh"; then fpass=1; else ffail=1; fi
	took[fuzz]=$(secs "$t" "$(now)")
	table+=("${took[fuzz]}	host: fuzz gcm_spans ($([ "$fpass" = 1 ] && echo passed || echo FAILED))")
fi

# --- Kernel, module, samples --------------------------------------------------------------
t=$(now)
kdir=$("$here/build-kernel.sh" test) || die "kernel build failed"
took[kernel]=$(secs "$t" "$(now)")
kcold=$(cat "$kdir/.tlsnic-build-secs" 2>/dev/null || echo '?')
t=$(now)
ko=$("$here/build-module.sh" test) || die "module build failed"
took[module]=$(secs "$t" "$(now)")
t=$(now)
KDIR=$kdir "$here/build-samples.sh" >/dev/null || die "samples build failed"
took[samples]=$(secs "$t" "$(now)")

# --- Lint: each linter one test, counted by its exit status --------------------------------
lpass=0 lfail=0
t=$(now)
for l in shellcheck rustfmt clippy-core clippy-module checkpatch; do
	tl=$(now)
	if "$here/lint.sh" "$l"; then r=passed lpass=$((lpass + 1)); else r=FAILED lfail=$((lfail + 1)); fi
	table+=("$(secs "$tl" "$(now)")	lint: $l ($r)")
done
took[lint]=$(secs "$t" "$(now)")

# --- Builds for other kernels: each check one test (scripts/build-checks.sh) ----------------
bpass=0 bfail=0
t=$(now)
if [ "$mode" != quick ]; then
	for b in rustc-mismatch dkms; do
		tb=$(now)
		if "$here/build-checks.sh" "$b"; then r=passed bpass=$((bpass + 1)); else r=FAILED bfail=$((bfail + 1)); fi
		table+=("$(secs "$tb" "$(now)")	build: $b ($r)")
	done
fi
took[builds]=$(secs "$t" "$(now)")

# --- Guest -------------------------------------------------------------------------------
log "guest tests (test kernel, QEMU${filter:+, filter '$filter'}, scale $mode)"
glog=$TLSNIC_ROOT/build/check-guest.log
guest_env=(TLSNIC_SCALE=check)
[ "$mode" = long ] && guest_env=(TLSNIC_SCALE=long "TLSNIC_TEST_TIMEOUT=${TLSNIC_TEST_TIMEOUT:-2400}")
[ -n "${TLSNIC_TEST_TIMEOUT:-}" ] && [ "$mode" != long ] && guest_env+=(TLSNIC_TEST_TIMEOUT="$TLSNIC_TEST_TIMEOUT")
[ -n "${TLSNIC_TRACE:-}" ] && guest_env+=(TLSNIC_TRACE="$TLSNIC_TRACE")
guest_tmo=()
[ "$mode" = quick ] && guest_tmo=(--timeout 300)
# The tests this run must report, each once: the guests share them through a queue in build/
# (tests/run-guest.sh --queue), so the suite takes about as long as the busier guest.
expected=()
for f in "$TLSNIC_ROOT"/tests/guest/[0-9]*.sh; do
	f=${f##*/}
	[ -n "$filter" ] && ! [[ $f =~ $filter ]] && continue
	expected+=("${f%.sh}")
done
# One guest of 2 vCPUs per two host CPUs: more guests than that share CPUs and run slower each
# (measured: two guests on two CPUs took longer than one), and the suite runs best unshared.
cpus=$(nproc)
guests=${TLSNIC_GUESTS:-$((cpus / 2))}
[ "$guests" -gt "${#expected[@]}" ] && guests=${#expected[@]}
[ "$guests" -ge 1 ] || guests=1
queue=$TLSNIC_ROOT/build/guest-queue
rm -rf "$queue" "$TLSNIC_ROOT/build/guest-logs" "$glog".*
mkdir -p "$queue" "$TLSNIC_ROOT/build/guest-logs"
log "$guests guest(s) of $cpus host CPUs share ${#expected[@]} tests"

# run_guest G: boot guest G on the queue; its output, each line prefixed with [G], goes to
# stdout as it comes and, as it came, to $glog.G; its exit status to $glog.G.rc.
run_guest() {
	local g=$1 line
	{
		"$TLSNIC_ROOT/qemu/run.sh" "${guest_tmo[@]}" --console "$TLSNIC_ROOT/build/qemu/console-test-$g.log" \
			-- env "${guest_env[@]}" TLSNIC_GUEST="$g" tests/run-guest.sh --queue "$queue" "$ko" "$filter" 2>&1
		echo "$?" >"$glog.$g.rc"
	} | while IFS= read -r line; do
		printf '%s\n' "$line" >>"$glog.$g"
		printf '[%s] %s\n' "$g" "$line"
		# When its first line arrived: the boot.
		[ -s "$glog.$g.boot" ] || { [[ $line == "# guest kernel:"* ]] && now >"$glog.$g.boot"; }
	done
}
t=$(now)
pids=()
for ((g = 1; g <= guests; g++)); do
	run_guest "$g" &
	pids+=($!)
done
wait "${pids[@]}"
tend=$(now)
took[guest]=$(secs "$t" "$tend")
took[boot]=$( [ -s "$glog.1.boot" ] && secs "$t" "$(cat "$glog.1.boot")" || echo '?')

gpass=0 gfail=0 failed=()
declare -A reported	# test name -> 1
for ((g = 1; g <= guests; g++)); do
	: >>"$glog.$g"
	grc=$(cat "$glog.$g.rc" 2>/dev/null || echo '?')
	n=0 bad=0
	while IFS= read -r line; do
		if [[ $line =~ ^(ok|not\ ok)\ [0-9]+\ -\ (.*)\ \(([0-9.]+)\ s\)$ ]]; then
			name=${BASH_REMATCH[2]}
			n=$((n + 1))
			reported[${name%%:*}]=1
			table+=("${BASH_REMATCH[3]}	guest: $name$([ "${BASH_REMATCH[1]}" = ok ] || echo ' (FAILED)')")
			if [ "${BASH_REMATCH[1]}" = ok ]; then
				gpass=$((gpass + 1))
			else
				gfail=$((gfail + 1)) bad=$((bad + 1)) failed+=("${name%%:*}")
			fi
		fi
	done <"$glog.$g"
	planned=$(grep -Em1 '^1\.\.[0-9]+$' "$glog.$g" | cut -d. -f3)
	if [ -z "$planned" ]; then
		log "guest $g did not finish its run (exit status $grc): counted as 1 failure"
		gfail=$((gfail + 1))
	elif [ "$planned" -ne "$n" ]; then
		log "guest $g planned $planned tests and reported $n (exit status $grc): counted as 1 failure"
		gfail=$((gfail + 1))
	elif [ "$grc" != 0 ] && [ "$bad" -eq 0 ]; then
		log "guest $g failed (exit status $grc) without a failed test: counted as 1 failure"
		gfail=$((gfail + 1))
	fi
done
for name in "${expected[@]}"; do
	[ -n "${reported[$name]:-}" ] && continue
	log "$name did not report a result: counted as failed"
	gfail=$((gfail + 1)) failed+=("$name")
done
for ((g = 1; g <= guests; g++)); do cat "$glog.$g"; done >"$glog"
rm -f "$glog".*.boot

# --- Report ------------------------------------------------------------------------------
# The time table first, then what failed: a CI log is often read from its end.
total=$(secs "$t0" "$(now)")
echo "slowest tests:"
printf '%s\n' "${table[@]}" | sort -t$'\t' -k1,1 -rn | awk -F'\t' '{ printf "%8.1f s  %s\n", $1, $2 }'
for name in "${failed[@]}"; do
	f=$TLSNIC_ROOT/build/guest-logs/$name
	if [ -s "$f.dmesg" ]; then
		echo "--- $name: kernel reports ---"
		grep -E -A 30 'BUG:|WARNING:|KASAN|kmemleak|lockdep|Oops|RCU stall|UBSAN|panicked' "$f.dmesg" | head -n 60
	fi
	echo "--- failed: $name (last 40 lines of its output; whole log: build/guest-logs/$name.log) ---"
	tail -n 40 "$f.log" 2>/dev/null
done
[ "${#failed[@]}" -eq 0 ] || log "failed guest tests: ${failed[*]}"
# One line per failed test with why (its first FAIL, or how the runner saw it end), so that the
# log's last lines say it.
for name in "${failed[@]}"; do
	why=$(grep -m 1 '^# FAIL: ' "$TLSNIC_ROOT/build/guest-logs/$name.log" 2>/dev/null)
	how=$(grep -E '^# (timed out|exit status|kernel report)' "$TLSNIC_ROOT/build/guest-logs/$name.log" 2>/dev/null |
		paste -sd ';' -)
	line="  $name: ${why:-no FAIL line}${how:+ ($how)}"
	log "${line:0:300}"
done
log "times: total $total s; setup ${took[setup]} s, cargo test ${took[cargo]} s, fuzz ${took[fuzz]:-0} s," \
	"kernel ${took[kernel]} s (a cold build of it took $kcold s), module ${took[module]} s," \
	"samples ${took[samples]} s, lint ${took[lint]} s, builds ${took[builds]} s," \
	"guest ${took[guest]} s (boot ${took[boot]} s)"
log "host: $((hpass + fpass)) passed, $((hfail + ffail)) failed; lint: $lpass passed, $lfail failed;" \
	"builds: $bpass passed, $bfail failed;" \
	"guest: $gpass passed, $gfail failed"
echo "$((hpass + fpass + lpass + bpass + gpass)) passed, $((hfail + ffail + lfail + bfail + gfail)) failed"
[ $((hfail + ffail + lfail + bfail + gfail)) -eq 0 ]
