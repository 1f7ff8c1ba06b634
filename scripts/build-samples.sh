#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the userspace samples (samples/ktls) into build/samples/ and print that directory.
# They link the system's unmodified OpenSSL (libssl-dev).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

out=$TLSNIC_ROOT/build/samples
mkdir -p "$out"
make -s -C "$TLSNIC_ROOT/samples/ktls" O="$out" >&2
echo "$out"
