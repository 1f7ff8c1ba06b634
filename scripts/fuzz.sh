#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The core crate's cargo-fuzz target gcm_spans, built and run for a bounded time from an empty
# corpus. Exit status 0 if it built and found nothing; scripts/check.sh counts it as one test.
#
#   scripts/fuzz.sh                     # 20 s
#   TLSNIC_FUZZ_TIME=60 scripts/fuzz.sh
#
# The target builds and runs on the stable toolchain with --sanitizer none; cargo-fuzz comes
# from $TLSNIC_TOOLS (scripts/setup.sh installs it). A missing cargo-fuzz, a build failure, a
# crash, a hang or running out of memory (libFuzzer's -timeout and -rss_limit_mb) all fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
cd "$TLSNIC_ROOT/rust/core"

target=gcm_spans
secs=${TLSNIC_FUZZ_TIME:-20}
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "TLSNIC_FUZZ_TIME must be a positive number of seconds"
# `cargo fuzz` looks for `cargo-fuzz` on PATH, and cargo-fuzz runs `cargo` by name.
PATH="$TLSNIC_TOOLS/bin:$(dirname "$cargo"):$PATH"
export PATH
mkdir -p "$TLSNIC_ROOT/build"
flog=$TLSNIC_ROOT/build/fuzz-$target.log
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
why=
if ! [ -x "$TLSNIC_TOOLS/bin/cargo-fuzz" ]; then
	why="cargo-fuzz not installed in $TLSNIC_TOOLS (run scripts/setup.sh)"
	: >"$flog"
# cargo fuzz has no --locked: check the fuzz crate's Cargo.lock separately.
elif ! { "$cargo" metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null &&
	 "$cargo" fuzz build -s none "$target"; } >"$flog" 2>&1; then
	why="build failed"
elif ! "$cargo" fuzz run -s none "$target" "$corpus" -- \
	-max_total_time="$secs" -print_final_stats=1 >>"$flog" 2>&1; then
	why="crashed or failed"
fi
# libFuzzer's status line, e.g. "#1234567 DONE cov: 339 ft: 713 corp: 216/40Kb ...".
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$flog" | tail -n 1 | awk '{$1 = $1; print}' || true)
if [ -z "$why" ]; then
	log "fuzz $target: ok, ${secs} s from an empty corpus: ${done_line:-?}"
	exit 0
fi
# The gist of the log: the compiler's errors, or the panic and how to reproduce it.
if [ "$why" = "build failed" ]; then
	sed '/^Stack backtrace:/,$d' "$flog" | tail -n 30
else
	grep -A 3 'panicked at' "$flog" | grep -v '^stack backtrace' | head -n 4
	grep -E 'ERROR: libFuzzer|Test unit written|^Error' "$flog" | head -n 3
	grep -A 2 '^Reproduce with' "$flog" | grep -v '^$'
fi || true
log "fuzz $target: FAILED: $why (log: $flog)"
exit 1
