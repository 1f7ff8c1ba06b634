#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks (not tests) on the release kernel; results also go to build/bench.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
ko=$(prepare release)
"$TLSNIC_ROOT/qemu/run.sh" --release -- scripts/guest/bench.sh "$ko" | tee "$TLSNIC_ROOT/build/bench.txt"
# The soft engine against RustCrypto's portable AES-GCM, on the host.
"$here/bench-host.sh" | tee -a "$TLSNIC_ROOT/build/bench.txt"
