#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's linters, one at a time; scripts/check.sh runs each as one counted test.
# Each prints what it found with file and line, and exits non-zero if it found anything.
#
#   scripts/lint.sh NAME...     # NAME: shellcheck rustfmt clippy-core clippy-module checkpatch
#   scripts/lint.sh             # all of them
#
# Linters (a line starting "# shellcheck" would be read as a directive, hence the dashes):
# - shellcheck: every shell script, sourced libraries through their users (-x), warnings and up
# - rustfmt: the core crate and its fuzz target (cargo fmt), the module crate (rustfmt with the
#   kernel's .rustfmt.toml)
# - clippy-core: cargo clippy --all-targets -D warnings on the core crate
# - clippy-module: the module built with the kernel's clippy lints (make CLIPPY=1, Debian's
#   clippy of the kernel's rustc) into build/clippy/; any warning fails
# - checkpatch: the kernel's checkpatch.pl --strict on the module's C files (rust/shim/; the
#   tracepoint header without the rules the tracing subsystem's layout breaks)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
cd "$TLSNIC_ROOT" || exit 2

lint_shellcheck() {
	local files=()
	mapfile -t files < <(git ls-files '*.sh' | grep -v -x -e scripts/lib.sh -e tests/guest/lib.sh)
	[ "${#files[@]}" -gt 0 ] || { echo "no shell scripts found"; return 1; }
	shellcheck -x -S warning -f gcc "${files[@]}"
}

lint_rustfmt() {
	local kdir rc=0
	(cd rust/core && "$cargo" fmt --check) || rc=1
	(cd rust/core/fuzz && "$cargo" fmt --check) || rc=1
	kdir=$("$here/build-kernel.sh" test) || return 1
	# The module crate's root; rustfmt follows its `mod` items (not the #[path] core modules,
	# which cargo fmt checks above).
	# Debian's rustc-web has no rustfmt; the host toolchain's formats the same way.
	"$(dirname "$cargo")/rustfmt" --check --edition 2021 --config-path "$kdir/.rustfmt.toml" \
		rust/tlsnic/tlsnic_main.rs || rc=1
	return "$rc"
}

lint_clippy_core() {
	(cd rust/core && "$cargo" clippy --locked --quiet --all-targets -- -D warnings)
}

lint_clippy_module() {
	local kdir out=$TLSNIC_ROOT/build/clippy log
	kdir=$("$here/build-kernel.sh" test) || return 1
	mkdir -p "$out"
	rsync -a --delete --exclude target/ --exclude '*.o' --exclude '.*.cmd' \
		--exclude '.*.d' --exclude bindings_generated.rs \
		"$TLSNIC_ROOT/Kbuild" "$TLSNIC_ROOT/rust" "$out/"
	# Every file is linted afresh: a clean tree, so no warning hides in an up-to-date object.
	make -s -C "$kdir" "${KMAKE_VARS[@]}" M="$out" clean >/dev/null 2>&1
	log=$out/clippy.log
	if ! make -s -C "$kdir" "${KMAKE_VARS[@]}" CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver \
		M="$out" -j"$(nproc)" modules >"$log" 2>&1; then
		cat "$log"
		return 1
	fi
	if grep -q '^warning' "$log"; then
		cat "$log"
		return 1
	fi
}

lint_checkpatch() {
	local kdir out
	kdir=$("$here/build-kernel.sh" test) || return 1
	# Judged by what it prints (every finding is a line; --terse adds only "total:" lines), not
	# by its exit status alone.
	# The TRACE_EVENT() header is laid out as the tracing subsystem's headers are
	# (include/trace/events/): open-ended argument lines, field lists and assignments in
	# macros, which checkpatch's rules for C code flag; they are checked without those rules.
	local trace=rust/shim/tlsnic_trace.h f files=()
	for f in rust/shim/*.c rust/shim/*.h; do [ "$f" = "$trace" ] || files+=("$f"); done
	out=$({ "$kdir/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f "${files[@]}"
		"$kdir/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f \
		--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,COMPLEX_MACRO,MULTISTATEMENT_MACRO_USE_DO_WHILE \
		"$trace"; } | grep -v '^total:')
	[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}

names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(shellcheck rustfmt clippy-core clippy-module checkpatch)
fail=0
for n in "${names[@]}"; do
	case "$n" in
	shellcheck|rustfmt|clippy-core|clippy-module|checkpatch) ;;
	*) die "unknown linter '$n'" ;;
	esac
	if "lint_${n//-/_}"; then
		log "lint $n: clean"
	else
		log "lint $n: FAILED (see above)"
		fail=$((fail + 1))
	fi
done
[ "$fail" -eq 0 ]
