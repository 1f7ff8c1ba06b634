#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the guest's CPU time goes, one TLS path at a time (make profile):
#
#   scripts/profile.sh [PATH...]
#
# Boots the release kernel and, for each PATH (default: all of them), moves one bulk TLS
# transfer over a tlsnic pair while perf samples every CPU of the guest (cpu-clock, the
# software clock event: TCG has no hardware counters). Paths:
#
#   sw_tx    sender in software kTLS (write)        hw_tx       sender on tlsnic TX offload, kcrypto
#   hw_tx_soft  TX offload on the soft engine
#   sw_rx    receiver in software kTLS              hw_rx       receiver on tlsnic RX offload, kcrypto
#   hw_rx_soft  RX offload on the soft engine
#   small_sw 5,000 small transfers (the bench's: 1 KiB up, 10 KiB back, 20 flows open at a
#            time, kTLS set up by setsockopt) in software kTLS at both ends
#   small_hw the same with TX and RX offloaded at both ends (kcrypto)
#
# Writes build/profile/PATH.txt (perf report: self time per symbol, every CPU) and
# build/profile/summary.txt (per path: MB/s, the guest's CPU seconds per MiB split into user,
# system and softirq, and the top symbols side by side). Absolute figures are TCG figures; only
# the comparison between paths inside one run means anything. TLSNIC_PROFILE_MIB (default 64)
# sets the transfer size; TLSNIC_PROFILE_CPU=N runs both ends on guest CPU N (same-core
# figures; by default the scheduler places them); TLSNIC_PROFILE_IRQ=1 runs the server on CPU 0
# and the client on CPU 1 with each device's receive interrupt steered to its own application's
# CPU, as the bench's "_irq" modes do. The small_* paths report CPU milliseconds
# per flow instead (every CPU; TLSNIC_PROFILE_SMALL_FLOWS, default 5000, sets the count) and
# always run the client on CPU 0 and the server on CPU 1, as the bench does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
ko=$(prepare release)
out=$(out_dir profile)
mapfile -t knobs < <(set_vars TLSNIC_PROFILE_MIB TLSNIC_PROFILE_CPU TLSNIC_PROFILE_IRQ TLSNIC_PROFILE_SMALL_FLOWS)
"$TLSNIC_ROOT/qemu/run.sh" --release -- env "${knobs[@]}" scripts/guest/profile.sh "$ko" "$out" "$@"
log "profiles in $out (summary.txt, one PATH.txt per path)"
