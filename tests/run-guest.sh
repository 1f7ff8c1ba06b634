#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In-guest test runner (run through qemu/run.sh). Runs tests/guest/[0-9]*.sh, one TAP line per
# test, and fails a test whose run leaves a BUG, WARNING, KASAN, lockdep or other kernel report
# in the log. Ends with a kmemleak scan and the summary line "N passed, N failed".
#
#   tests/run-guest.sh TLSNIC_KO [TEST_NAME_REGEX]
set -uo pipefail

export TLSNIC_KO=${1:?usage: run-guest.sh path/to/tlsnic.ko [filter]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export TLSNIC_SAMPLES=${TLSNIC_SAMPLES:-$here/../build/samples}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# Kernel reports that fail a test.
REPORT_RE='BUG:|WARNING:|KASAN|kmemleak|lockdep|possible (recursive|circular) locking|inconsistent lock state|general protection fault|Oops|Call Trace:|RCU stall|UBSAN|refcount_t:|list_(add|del) corruption|panicked|rust_panic|unregister_netdevice: waiting'

echo "# guest kernel: $(uname -r) ($(uname -v))"
echo "# module: $TLSNIC_KO"
modinfo "$TLSNIC_KO" | sed 's/^/#   /'
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
have_kmemleak=0
if [ -w /sys/kernel/debug/kmemleak ]; then
	have_kmemleak=1
	echo clear >/sys/kernel/debug/kmemleak
fi

# virtme-ng needs udev only while it boots; left running, it handles every uevent of the tests
# (hundreds of devices come and go) and slows the emulated guest down. Stop it.
udevadm control --exit 2>/dev/null || true

tests=()
for t in "$here"/guest/[0-9]*.sh; do
	[ -n "$filter" ] && ! [[ $(basename "$t") =~ $filter ]] && continue
	tests+=("$t")
done
echo "1..$(( ${#tests[@]} + have_kmemleak ))"

pass=0 fail=0 n=0
cleanup() {
	pkill -9 -x socat; pkill -9 -x ping; pkill -9 -x iperf3; pkill -9 -x openssl
	pkill -9 -x tlsnic-tls
	ip -all netns del 2>/dev/null || true
	[ -d /sys/module/tlsnic ] && rmmod tlsnic 2>/dev/null
	true
}

for t in "${tests[@]}"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	dmesg -c >/dev/null
	start=$(date +%s.%N)
	timeout -k 5 "${TLSNIC_TEST_TIMEOUT:-600}" bash "$t" >/tmp/tlsnic-test.log 2>&1
	rc=$?
	cleanup
	sleep 0.2
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	reports=$(dmesg | grep -E "$REPORT_RE" || true)
	sed 's/^/    /' /tmp/tlsnic-test.log
	if [ "$rc" -eq 0 ] && [ -z "$reports" ]; then
		echo "ok $n - $name (${secs}s)"
		pass=$((pass + 1))
	else
		[ "$rc" -eq 124 ] && echo "    # timed out"
		[ "$rc" -ne 0 ] && echo "    # exit status $rc"
		if [ -n "$reports" ]; then
			echo "    # kernel log reports:"
			dmesg | sed 's/^/    #   /' | tail -n 80
		fi
		echo "not ok $n - $name (${secs}s)"
		fail=$((fail + 1))
	fi
done

if [ "$have_kmemleak" = 1 ]; then
	n=$((n + 1))
	# An object must be unreferenced for a while before kmemleak reports it.
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [ -z "$leaks" ]; then
		echo "ok $n - kmemleak: no leaks"
		pass=$((pass + 1))
	else
		echo "$leaks" | head -n 80 | sed 's/^/    # /'
		echo "not ok $n - kmemleak: leaks reported"
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
