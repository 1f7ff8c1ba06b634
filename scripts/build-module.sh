#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build tlsnic.ko against a tlsnic guest kernel and print the .ko's path.
#
#   scripts/build-module.sh [test|release]     # against the cached kernel of that flavour
#   KDIR=/path/to/kernel scripts/build-module.sh   # against any configured 6.12 tree
#
# Each kernel gets its own build directory (build/<flavour>/) so the test and
# release modules never mix objects.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

flavour=${1:-test}
if [ -n "${KDIR:-}" ]; then
	kdir=$KDIR
	flavour=custom
else
	kdir=$("$here/build-kernel.sh" "$flavour")
fi

out=$TLSNIC_ROOT/build/$flavour
mkdir -p "$out"
# Copy the module sources (mtimes preserved, so make stays incremental).
# Excluded (build products) are neither copied nor deleted.
rsync -a --delete --exclude target/ --exclude '*.o' --exclude '.*.cmd' \
	--exclude '.*.d' --exclude bindings_generated.rs \
	"$TLSNIC_ROOT/Kbuild" "$TLSNIC_ROOT/rust" "$out/"
make -s -C "$kdir" "${KMAKE_VARS[@]}" M="$out" -j"$(nproc)" modules >&2
echo "$out/tlsnic.ko"
