#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host microbenchmark of the core crate's soft AES-GCM engine (rust/core/src/gcm) against
# RustCrypto aes-gcm, sealing 16 KiB records (rust/core/examples/gcm_bench.rs, release build).
# Prints key=value lines, as in build/bench/bench.txt:
#
#   host_soft_gcm128_MBps               soft engine, AES-128-GCM (256: AES-256-GCM)
#   host_rustcrypto_soft_gcm128_MBps    RustCrypto on its portable software backends
#   host_soft_vs_rustcrypto_soft_128    soft engine's throughput over that
#   host_rustcrypto_ni_gcm128_MBps      RustCrypto on AES-NI and CLMUL, for context
#   host_soft_vs_rustcrypto_ni_128      soft engine's throughput over that
#
# The portable build sets the aes and polyval crates' force_soft cfgs in RUSTFLAGS; each build
# has its own target directory under rust/core/target/, so neither invalidates `cargo test`'s.
# The ni figures are left out (with a note) when the CPU has no AES-NI or CLMUL. About 20 s once
# built.
#
#   scripts/bench-host.sh [OUT_FILE]      # also writes the lines to OUT_FILE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
out_file=
if [ $# -gt 0 ]; then out_file=$(realpath -m -- "$1"); fi
cd "$TLSNIC_ROOT/rust/core"

# bench TARGET_SUBDIR RUSTFLAGS ARGS...: gcm_bench's lines.
bench() {
	local dir=$1 flags=$2
	shift 2
	CARGO_TARGET_DIR="$TLSNIC_ROOT/rust/core/target/$dir" RUSTFLAGS="$flags" \
		"$cargo" run --locked --quiet --release --example gcm_bench -- "$@"
}

log "soft engine and RustCrypto (portable backends)"
soft=$(bench bench-soft "--cfg aes_force_soft --cfg polyval_force_soft")
grep -q '^rustcrypto_soft_' <<<"$soft" || die "RustCrypto was not forced soft: $soft"

log "RustCrypto (default backends)"
# (Without the note that RustCrypto is not forced soft: that is the point here.)
default=$(bench bench-default "" rustcrypto 2> >(grep -v 'not forced soft' >&2))
ni=$(grep '^rustcrypto_ni_' <<<"$default" || true)
[ -n "$ni" ] || log "no AES-NI/CLMUL on this CPU: RustCrypto's default backends are the portable ones"

out=$(
	printf '%s\n' "$soft" "$ni" | sed -n 's/^./host_&/p'
	# soft_vs_rustcrypto_ni_BITS from the two runs.
	printf '%s\n' "$soft" "$ni" | awk -F= '
		{ match($1, /[0-9]+/); bits = substr($1, RSTART, RLENGTH) }
		/^soft_gcm/ { soft[bits] = $2 }
		/^rustcrypto_ni_gcm/ { ni[bits] = $2 }
		END { for (b in ni) if (b in soft && ni[b] > 0)
			printf "host_soft_vs_rustcrypto_ni_%s=%.3f\n", b, soft[b] / ni[b] }' | sort
)
echo "$out"
if [ -n "$out_file" ]; then echo "$out" >"$out_file"; fi
