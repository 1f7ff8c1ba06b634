#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the module's build for other kernels, on the host against the test kernel's tree
# (scripts/check.sh counts each by its exit status):
#
#   scripts/build-checks.sh rustc-mismatch   a rustc other than the kernel's is refused by Kbuild
#                                            with a message naming both, not a crate error
#   scripts/build-checks.sh dkms             dkms add and build from a copy of the repository's
#                                            files (private dkms and source trees in build/dkms/)
#                                            give a tlsnic.ko for the kernel
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

kdir=$("$here/build-kernel.sh" test)
kver=$(make -s -C "$kdir" kernelrelease)

check_rustc_mismatch() {
	local tmp out rc=0
	tmp=$(mktemp -d)
	# A compiler that reports another version; Kbuild must stop before running it.
	printf '#!/bin/sh\necho "rustc 1.0.0 (tlsnic build check)"\n' >"$tmp/rustc"
	chmod +x "$tmp/rustc"
	rsync -a --delete --exclude target/ "$TLSNIC_ROOT/Kbuild" "$TLSNIC_ROOT/rust" "$tmp/m/"
	out=$(make -s -C "$kdir" "${KMAKE_VARS[@]}" RUSTC="$tmp/rustc" M="$tmp/m" modules 2>&1) || rc=$?
	rm -rf "$tmp"
	[ "$rc" != 0 ] || die "rustc-mismatch: the build succeeded with a foreign rustc"
	[[ $out == *"tlsnic: $tmp/rustc is \"rustc 1.0.0 (tlsnic build check)\" but the kernel was built with \"rustc "* ]] ||
		die "rustc-mismatch: no clear message; the build said: $out"
	log "rustc-mismatch: refused: ${out%%$'\n'*}"
}

check_dkms() {
	local d=$TLSNIC_ROOT/build/dkms ver ko
	command -v dkms >/dev/null || die "dkms: not installed (scripts/setup.sh installs it)"
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TLSNIC_ROOT/dkms.conf")
	rm -rf "$d"
	mkdir -p "$d/src/tlsnic-$ver" "$d/tree"
	# The files of the repository as a user would unpack them.
	git -C "$TLSNIC_ROOT" ls-files -z | rsync -a --from0 --files-from=- "$TLSNIC_ROOT/" "$d/src/tlsnic-$ver/"
	dkms add -m tlsnic -v "$ver" --sourcetree "$d/src" --dkmstree "$d/tree" >&2
	dkms build -m tlsnic -v "$ver" -k "$kver" --kernelsourcedir "$kdir" \
		--sourcetree "$d/src" --dkmstree "$d/tree" >&2 ||
		{ cat "$d/tree/tlsnic/$ver/build/make.log" >&2 2>/dev/null; die "dkms: build failed"; }
	ko=$d/tree/tlsnic/$ver/$kver/$(uname -m)/module/tlsnic.ko
	[ -f "$ko" ] || die "dkms: no $ko"
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] || die "dkms: $ko is not for $kver"
	modinfo -F alias "$ko" | grep -qx rtnl-link-tlsnic || die "dkms: $ko lacks its rtnl-link alias"
	log "dkms: built $ko for $kver"
}

case ${1:-} in
rustc-mismatch) check_rustc_mismatch ;;
dkms) check_dkms ;;
*) die "usage: scripts/build-checks.sh rustc-mismatch|dkms" ;;
esac
