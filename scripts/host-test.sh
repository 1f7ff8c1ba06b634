#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host tests of the no_std core crate: cargo test with the host toolchain, then the cargo-fuzz
# target gcm_spans built and run for a bounded time from an empty corpus, reported as one more
# test in cargo's "N passed; N failed" form (scripts/check.sh adds those up).
#
#   scripts/host-test.sh [CARGO_TEST_ARGS...]
#   TLSNIC_FUZZ_TIME=60 scripts/host-test.sh     # fuzz for 60 s instead of 20
#
# The fuzz target builds and runs on the stable toolchain with --sanitizer none; cargo-fuzz
# comes from $TLSNIC_TOOLS (scripts/setup.sh installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
cd "$TLSNIC_ROOT/rust/core"

rc=0
"$cargo" test --locked --quiet "$@" || rc=$?

# Fuzzing: a missing cargo-fuzz, a build failure, a crash, a hang or running out of memory
# (libFuzzer's -timeout and -rss_limit_mb) all count as one failed test. `cargo fuzz` looks for
# `cargo-fuzz` on PATH, and cargo-fuzz runs `cargo` by name: both directories go on PATH.
target=gcm_spans
secs=${TLSNIC_FUZZ_TIME:-20}
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "TLSNIC_FUZZ_TIME must be a positive number of seconds"
export PATH="$TLSNIC_TOOLS/bin:$(dirname "$cargo"):$PATH"
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
	echo "fuzz result: ok. 1 passed; 0 failed; $target ${secs}s from an empty corpus: ${done_line:-?}"
else
	# The gist of the log: the compiler's errors, or the panic and how to reproduce it. It must
	# not add to check.sh's counts ("3 failed" in a message would read as 3 failures).
	if [ "$why" = "build failed" ]; then
		sed '/^Stack backtrace:/,$d' "$flog" | tail -n 30
	else
		grep -A 3 'panicked at' "$flog" | grep -v '^stack backtrace' | head -n 4
		grep -E 'ERROR: libFuzzer|Test unit written|^Error' "$flog" | head -n 3
		grep -A 2 '^Reproduce with' "$flog" | grep -v '^$'
	fi | sed -E 's/([0-9]) (passed|failed)/\1 [\2]/g' || true
	echo "fuzz result: FAILED. 0 passed; 1 failed; $target: $why (log: $flog)"
	rc=1
fi
exit "$rc"
