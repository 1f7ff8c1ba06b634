#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmarks (not tests) on the release kernel (make bench). Writes build/bench/:
#   bench.txt   everything printed (the guest's key=value lines, its notes and warnings)
#   bench.csv   key,value of every figure; bench.json the same as one object
#   bench.svg   the TLS paths' throughput and CPU time per MiB, sender and receiver
# Only ratios inside one run mean anything under TCG. The host is watched while the guest
# runs: if processes other than the guest's QEMU used more than a fifth of a CPU on average,
# the run says so (host_other_cpus, and a WARNING line), as it does for a mode whose rounds
# spread by more than 15%.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
ko=$(prepare release)
out=$(out_dir bench)

# host_busy: the host's busy jiffies (user, nice, system, irq, softirq).
host_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }
# watch PIDFILE: every 5 s while QEMU lives, "uptime host_busy qemu_jiffies load1".
watch_host() {
	local pid
	until [ -s "$1" ]; do sleep 1; done
	pid=$(<"$1")
	while [ -r "/proc/$pid/stat" ]; do
		echo "$(cut -d' ' -f1 /proc/uptime) $(host_busy)" \
			"$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo gone)" \
			"$(cut -d' ' -f1 /proc/loadavg)"
		sleep 5
	done
}
export TLSNIC_QEMU_PIDFILE="$out/qemu.pid"
watch_host "$TLSNIC_QEMU_PIDFILE" >"$out/host-watch.txt" &
watcher=$!
trap 'kill "$watcher" 2>/dev/null || true' EXIT
mapfile -t knobs < <(set_vars TLSNIC_BENCH_SECS TLSNIC_BENCH_ROUNDS TLSNIC_BENCH_MIB \
	TLSNIC_BENCH_SMALL_FLOWS)
"$TLSNIC_ROOT/qemu/run.sh" --release -- env "${knobs[@]}" scripts/guest/bench.sh "$ko" |
	tee "$out/bench.txt"
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true

# The host's CPU time that was not the guest's, in CPUs on average over the guest's run.
hz=$(getconf CLK_TCK)
awk -v hz="$hz" -v ncpu="$(nproc)" '
	$3 != "gone" { if (!n++) { t0 = $1; b0 = $2; q0 = $3 } t1 = $1; b1 = $2; q1 = $3
		if ($4 > lmax) lmax = $4 }
	END {
		if (n < 2 || t1 <= t0) exit
		other = ((b1 - b0) - (q1 - q0)) / hz / (t1 - t0)
		printf "host_cpus=%d\nhost_other_cpus=%.2f\nhost_load1_max=%.2f\n", ncpu, other, lmax
		if (other > 0.2)
			printf "# WARNING: processes other than the guest used %.2f CPUs of %d during the run: its ratios do not mean much\n", other, ncpu
	}' "$out/host-watch.txt" | tee -a "$out/bench.txt"

# The soft engine against RustCrypto's portable AES-GCM, on the host.
"$here/bench-host.sh" | tee -a "$out/bench.txt"
python3 "$here/bench-report.py" "$out/bench.txt" "$out"
log "figures in $out: bench.txt, bench.csv, bench.json, bench.svg"
