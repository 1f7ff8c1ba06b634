#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In-guest test runner (run through qemu/run.sh). Runs tests/guest/[0-9]*.sh, one TAP line per
# test ("ok N - NAME (SECS s)" or "not ok ..."), and fails a test whose run leaves a BUG,
# WARNING, KASAN, lockdep or other kernel report in the log. Ends with a kmemleak scan (a test
# of its own) and the summary line "N passed, N failed".
#
#   tests/run-guest.sh [--queue DIR] TLSNIC_KO [TEST_NAME_REGEX]
#
# With --queue, several guests share the suite (scripts/check.sh boots TLSNIC_GUESTS of them):
# each takes the tests in descending order of their numbers, the long ones first, and runs a
# test only if it is the first to claim it, by creating DIR/NAME (mkdir on the shared build
# directory is atomic, whichever guest asks). Its plan line ("1..N") then comes last, as TAP
# allows, and counts the tests it ran.
#
# Every line a test prints is shown indented by four spaces, so nothing a test prints can be
# read as a TAP line. Each test's output and kernel log are also kept in
# build/guest-logs/NAME.{log,dmesg} for scripts/check.sh, which shows the tail of every failed
# test again at the end of the run.
#
# TLSNIC_SCALE=long (make check-long) runs the scale tests at full size; each test's header
# says what it changes. TLSNIC_TRACE=1 also writes each test's shell trace, every command with
# its start time, to build/guest-logs/NAME.trace: where a test's time goes.
set -uo pipefail

queue=
if [ "${1:-}" = --queue ]; then
	queue=${2:?--queue needs a directory}
	shift 2
fi
export TLSNIC_KO=${1:?usage: run-guest.sh [--queue DIR] path/to/tlsnic.ko [filter]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export TLSNIC_SAMPLES=${TLSNIC_SAMPLES:-$here/../build/samples}
export TLSNIC_SCALE=${TLSNIC_SCALE:-check}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
logs=$here/../build/guest-logs

# Kernel reports that fail a test.
REPORT_RE='BUG:|WARNING:|KASAN|kmemleak|lockdep|possible (recursive|circular) locking|inconsistent lock state|general protection fault|Oops|Call Trace:|RCU stall|UBSAN|refcount_t:|list_(add|del) corruption|panicked|rust_panic|unregister_netdevice: waiting'

read -r up _ </proc/uptime
echo "# guest kernel: $(uname -r) ($(uname -v)); booted in ${up} s (guest uptime)"
echo "# module: $TLSNIC_KO; scale: $TLSNIC_SCALE"
modinfo "$TLSNIC_KO" | sed 's/^/#   /'
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
have_kmemleak=0
if [ -w /sys/kernel/debug/kmemleak ]; then
	have_kmemleak=1
	echo clear >/sys/kernel/debug/kmemleak
fi
# A shared queue's logs are cleared by whoever made the queue.
[ -n "$queue" ] || rm -rf "$logs"
mkdir -p "$logs"

tests=()
for t in "$here"/guest/[0-9]*.sh; do
	[ -n "$filter" ] && ! [[ $(basename "$t") =~ $filter ]] && continue
	if [ -n "$queue" ]; then tests=("$t" "${tests[@]}"); else tests+=("$t"); fi
done
[ -n "$queue" ] || echo "1..$(( ${#tests[@]} + have_kmemleak ))"

# usecs: the monotonic-enough wall clock in microseconds, without starting a process.
usecs() { echo "${EPOCHREALTIME/./}"; }
# forks: processes created since boot (/proc/stat), read without starting one. Each costs the
# emulated debug guest 0.1 to 0.8 s, so a test's count says where its time goes.
forks() {
	local k v
	while read -r k v _; do [ "$k" = processes ] && { echo "$v"; return; }; done </proc/stat
}
secs_since() { local d=$(( $(usecs) - $1 )); printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)); }

pass=0 fail=0 n=0
# Each test runs in the runner's test cgroup (TLSNIC_TEST_CG; every process a test starts
# inherits it, and test 23 makes child cgroups inside it), so that whatever it left running ends
# with one write to cgroup.kill: searching /proc for process names with pkill costs the emulated
# guest seconds. The tests run one after the other, so one cgroup serves them all.
TEST_CG=/sys/fs/cgroup/tlsnic-test
[ -d "$TEST_CG" ] || mkdir "$TEST_CG" || { echo "Bail out! cannot create $TEST_CG"; exit 1; }
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
# cleanup: whatever the test left running (killed with its cgroup, child cgroups included) or
# configured.
cleanup() {
	local i k v ns
	echo 1 >"$TEST_CG/cgroup.kill"
	for ((i = 0; i < 100; i++)); do
		while read -r k v; do [ "$k" = populated ] && break; done <"$TEST_CG/cgroup.events"
		[ "$v" = 0 ] && break
		nap 0.1
	done
	[ "$v" = 0 ] || echo "# processes of $name still alive 10 s after cgroup.kill"
	shopt -s nullglob
	ns=(/run/netns/*)
	shopt -u nullglob
	[ "${#ns[@]}" = 0 ] || ip -all netns del 2>/dev/null
	[ -d /sys/module/tlsnic ] && rmmod tlsnic 2>/dev/null
	true
}

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	[ -z "$queue" ] || mkdir "$queue/$name" 2>/dev/null || continue
	n=$((n + 1))
	dmesg -C
	f0=$(forks)
	start=$(usecs)
	(
		echo "$BASHPID" >"$TEST_CG/cgroup.procs" || exit 125
		export TLSNIC_TEST_CG=$TEST_CG
		if [ -n "${TLSNIC_TRACE:-}" ]; then
			exec 9>"$logs/$name.trace"
			export BASH_XTRACEFD=9
			# shellcheck disable=SC2016 # the trace prefix is expanded by the test's shell
			exec timeout -k 5 "${TLSNIC_TEST_TIMEOUT:-600}" \
				bash -c 'PS4="+ \${EPOCHREALTIME} "; set -x; . "$0"' "$t" >"$logs/$name.log" 2>&1
		else
			exec timeout -k 5 "${TLSNIC_TEST_TIMEOUT:-600}" bash "$t" >"$logs/$name.log" 2>&1
		fi
	)
	rc=$?
	f1=$(forks)
	cleanup
	secs=$(secs_since "$start")
	echo "# $((f1 - f0 - 1)) processes" >>"$logs/$name.log"
	dmesg >"$logs/$name.dmesg"
	reports=$(grep -E "$REPORT_RE" "$logs/$name.dmesg")
	# Why it failed, as the last line of its log (scripts/check.sh shows the log's end, and a test
	# killed by the timeout or a signal prints nothing itself).
	case $rc in
	0) ;;
	124) echo "# timed out after ${TLSNIC_TEST_TIMEOUT:-600} s" >>"$logs/$name.log" ;;
	*) echo "# exit status $rc" >>"$logs/$name.log" ;;
	esac
	[ -z "$reports" ] || echo "# kernel report: $(grep -m 1 -E "$REPORT_RE" "$logs/$name.dmesg")" >>"$logs/$name.log"
	while IFS= read -r line || [ -n "$line" ]; do printf '    %s\n' "$line"; done <"$logs/$name.log"
	if [ "$rc" -eq 0 ] && [ -z "$reports" ]; then
		echo "ok $n - $name (${secs} s)"
		pass=$((pass + 1))
		rm -f "$logs/$name.dmesg"
	else
		echo "    # kernel log (last 80 lines):"
		tail -n 80 "$logs/$name.dmesg" | sed 's/^/    #   /'
		[ -n "$reports" ] && echo "    # the kernel log has reports (BUG, WARNING, KASAN, lockdep, ...)"
		echo "not ok $n - $name (${secs} s)"
		fail=$((fail + 1))
	fi
done

if [ "$have_kmemleak" = 1 ]; then
	n=$((n + 1))
	# One scan per guest; TLSNIC_GUEST (set by scripts/check.sh when it boots several) names it.
	km=kmemleak${TLSNIC_GUEST:+-guest$TLSNIC_GUEST}
	start=$(usecs)
	# An object must be unreferenced for a while (kmemleak's 5 s minimum age) before a scan
	# reports it; the second scan confirms what the first found.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		echo "ok $n - $km: no leaks ($(secs_since "$start") s)"
		pass=$((pass + 1))
	else
		echo "$leaks" >"$logs/$km.log"
		echo "$leaks" | head -n 80 | sed 's/^/    # /'
		echo "not ok $n - $km: leaks reported ($(secs_since "$start") s)"
		fail=$((fail + 1))
	fi
fi

[ -z "$queue" ] || echo "1..$n"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
