#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the samples into build/samples/ and print that directory: the userspace kTLS tools
# (samples/ktls, linking the system's unmodified OpenSSL) and the BPF policy programs
# (samples/bpf, clang -target bpf), and the test suite's own programs (tests/bpf, tests/ktls,
# tests/tools), and, with KDIR=TREE (the test kernel's tree), the kernel's kTLS selftest from
# that tree (tests/selftest).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

out=$TLSNIC_ROOT/build/samples
mkdir -p "$out"
make -s -C "$TLSNIC_ROOT/samples/ktls" O="$out" >&2
make -s -C "$TLSNIC_ROOT/samples/bpf" O="$out/bpf" >&2
make -s -C "$TLSNIC_ROOT/tests/bpf" O="$out/bpf-tests" >&2
make -s -C "$TLSNIC_ROOT/tests/ktls" O="$out/tests" >&2
make -s -C "$TLSNIC_ROOT/tests/tools" O="$out/tests" >&2
# The selftest needs the test kernel's tree: only when it is given (scripts/check.sh gives it), so
# that `make demo` and `make bench` never build the test kernel.
if [ -n "${KDIR:-}" ]; then
	make -s -C "$TLSNIC_ROOT/tests/selftest" KDIR="$KDIR" O="$out/tests" >&2
fi
echo "$out"
