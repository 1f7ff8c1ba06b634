#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install tlsnic.ko into a kernel's module tree, or remove it (make install, make uninstall):
#
#   scripts/install.sh install      # build for KDIR, copy to /lib/modules/KVER/extra, depmod
#   scripts/install.sh uninstall    # remove it, depmod
#
# KVER: the kernel release (default: the running kernel's, uname -r). KDIR: its configured
# build tree (default /lib/modules/KVER/build). DESTDIR: the root of the module tree (default
# /; a staging directory for packaging). TLSNIC_KO: install this already built module instead
# of building one (its vermagic must name KVER). After an install, `modprobe tlsnic` loads the
# module and `ip link add NAME type tlsnic` loads it on demand (its rtnl-link-tlsnic alias).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

action=${1:-}
kver=${KVER:-$(uname -r)}
destdir=${DESTDIR:-/}
dir=${destdir%/}/lib/modules/$kver/extra

depmod_tree() {
	if [ "$destdir" = / ]; then depmod -a "$kver"; else depmod -b "$destdir" "$kver"; fi
}

case $action in
install)
	ko=${TLSNIC_KO:-}
	if [ -z "$ko" ]; then
		kdir=${KDIR:-/lib/modules/$kver/build}
		[ -f "$kdir/.config" ] ||
			die "no configured kernel tree for $kver at $kdir: set KDIR (Documentation/build.rst)"
		ko=$(KDIR=$kdir "$here/build-module.sh")
	fi
	[ -f "$ko" ] || die "$ko: no such module"
	vermagic=$(modinfo -F vermagic "$ko")
	[ "${vermagic%% *}" = "$kver" ] ||
		die "$ko was built for ${vermagic%% *}, not $kver: set KVER and KDIR to the same kernel"
	install -D -m 0644 "$ko" "$dir/tlsnic.ko"
	depmod_tree
	log "installed $dir/tlsnic.ko; modprobe tlsnic, or ip link add NAME type tlsnic, loads it"
	;;
uninstall)
	rm -f "$dir/tlsnic.ko"
	rmdir "$dir" 2>/dev/null || true
	if [ -d "${destdir%/}/lib/modules/$kver" ]; then depmod_tree; fi
	log "removed $dir/tlsnic.ko"
	;;
*)
	die "usage: scripts/install.sh install|uninstall"
	;;
esac
