#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In-guest test runner (run through qemu/run.sh). Runs tests/guest/[0-9]*.sh, one TAP line per
# test ("ok N - NAME (SECS s)" or "not ok ..."), and fails a test whose run leaves a BUG,
# WARNING, KASAN, lockdep or other kernel report in the log. Ends with a kmemleak scan (a test
# of its own) and the summary line "N passed, N failed".
#
#   tests/run-guest.sh TLSNIC_KO [TEST_NAME_REGEX]
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

export TLSNIC_KO=${1:?usage: run-guest.sh path/to/tlsnic.ko [filter]}
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
rm -rf "$logs"
mkdir -p "$logs"

tests=()
for t in "$here"/guest/[0-9]*.sh; do
	[ -n "$filter" ] && ! [[ $(basename "$t") =~ $filter ]] && continue
	tests+=("$t")
done
echo "1..$(( ${#tests[@]} + have_kmemleak ))"

# usecs: the monotonic-enough wall clock in microseconds, without starting a process.
usecs() { echo "${EPOCHREALTIME/./}"; }
secs_since() { local d=$(( $(usecs) - $1 )); printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000)); }

pass=0 fail=0 n=0
# Whatever a test left running or configured: one process per kind of leftover.
cleanup() {
	pkill -9 -x 'socat|ping|iperf3|openssl|ossl-offload|tlsnic-tls|ktls-hostile|ktls-soak' 2>/dev/null
	ip -all netns del 2>/dev/null
	[ -d /sys/module/tlsnic ] && rmmod tlsnic 2>/dev/null
	true
}

for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	dmesg -C
	start=$(usecs)
	if [ -n "${TLSNIC_TRACE:-}" ]; then
		# shellcheck disable=SC2016 # the trace prefix is expanded by the test's shell
		BASH_XTRACEFD=9 timeout -k 5 "${TLSNIC_TEST_TIMEOUT:-600}" \
			bash -c 'PS4="+ \${EPOCHREALTIME} "; set -x; . "$0"' "$t" \
			>"$logs/$name.log" 2>&1 9>"$logs/$name.trace"
	else
		timeout -k 5 "${TLSNIC_TEST_TIMEOUT:-600}" bash "$t" >"$logs/$name.log" 2>&1
	fi
	rc=$?
	cleanup
	secs=$(secs_since "$start")
	dmesg >"$logs/$name.dmesg"
	reports=$(grep -E "$REPORT_RE" "$logs/$name.dmesg")
	while IFS= read -r line || [ -n "$line" ]; do printf '    %s\n' "$line"; done <"$logs/$name.log"
	if [ "$rc" -eq 0 ] && [ -z "$reports" ]; then
		echo "ok $n - $name (${secs} s)"
		pass=$((pass + 1))
		rm -f "$logs/$name.dmesg"
	else
		[ "$rc" -eq 124 ] && echo "    # timed out after ${TLSNIC_TEST_TIMEOUT:-600} s"
		[ "$rc" -ne 0 ] && echo "    # exit status $rc"
		echo "    # kernel log (last 80 lines):"
		tail -n 80 "$logs/$name.dmesg" | sed 's/^/    #   /'
		[ -n "$reports" ] && echo "    # the kernel log has reports (BUG, WARNING, KASAN, lockdep, ...)"
		echo "not ok $n - $name (${secs} s)"
		fail=$((fail + 1))
	fi
done

if [ "$have_kmemleak" = 1 ]; then
	n=$((n + 1))
	start=$(usecs)
	# An object must be unreferenced for a while (kmemleak's 5 s minimum age) before a scan
	# reports it; the second scan confirms what the first found.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		echo "ok $n - kmemleak: no leaks ($(secs_since "$start") s)"
		pass=$((pass + 1))
	else
		echo "$leaks" >"$logs/kmemleak.log"
		echo "$leaks" | head -n 80 | sed 's/^/    # /'
		echo "not ok $n - kmemleak: leaks reported ($(secs_since "$start") s)"
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
