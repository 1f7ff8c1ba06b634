#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installing like any out-of-tree module (scripts/install.sh, behind make install and make
# uninstall). The guest's root is the host's, read-only, so the module tree is a staging root
# (DESTDIR, a directory in /tmp) and the kernel's modprobe (/proc/sys/kernel/modprobe) is
# pointed at a wrapper that runs modprobe on that root: the module lands in
# DESTDIR/lib/modules/KVER/extra and depmod lists it with its rtnl-link-tlsnic alias; modprobe
# loads it; `ip link add NAME type tlsnic` loads it on demand through that alias; uninstall
# removes it and neither works any more. A module built for another kernel is refused by name.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

kver=$(uname -r)
loaded && fail "module loaded before the test"
root=/tmp/tlsnic-install
rm -rf "$root"
mkdir -p "$root/lib/modules/$kver"
read -r kmodprobe </proc/sys/kernel/modprobe
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$root" >"$root/modprobe"
chmod +x "$root/modprobe"
trap 'echo "$kmodprobe" >/proc/sys/kernel/modprobe; rm -rf "$root"' EXIT
echo "$root/modprobe" >/proc/sys/kernel/modprobe
install_sh() { TLSNIC_KO=$KO KVER=$kver DESTDIR=$root "$TLSNIC_ROOT/scripts/install.sh" "$@"; }
mods=$root/lib/modules/$kver

install_sh install || fail "install failed"
[ -f "$mods/extra/tlsnic.ko" ] || fail "no $mods/extra/tlsnic.ko"
file_has "$mods/modules.dep" "extra/tlsnic.ko:" || fail "depmod did not list the module"
file_has "$mods/modules.alias" "alias rtnl-link-tlsnic tlsnic" || fail "no rtnl-link alias"

"$root/modprobe" tlsnic || fail "modprobe tlsnic"
loaded || fail "modprobe did not load the module"
ndevs_is 2 || fail "modprobe: not one pair"
"$root/modprobe" -r tlsnic || fail "modprobe -r tlsnic"
loaded && fail "module still loaded after modprobe -r"

# On demand: the kernel asks modprobe for rtnl-link-tlsnic.
ip link add tn0 type tlsnic || fail "ip link add tn0 type tlsnic did not load the module"
loaded || fail "module not loaded by ip link add"
[ -d /sys/class/net/tn0 ] && [ -d /sys/class/net/tn0-p ] || fail "no tn0 and tn0-p"
ip link del tn0
unload

# A module for another kernel release is refused with a message naming both.
out=$(TLSNIC_KO=$KO KVER=9.9.9 DESTDIR=$root "$TLSNIC_ROOT/scripts/install.sh" install 2>&1) &&
	fail "a module for $kver installed as 9.9.9"
has "$out" "was built for $kver, not 9.9.9" || fail "foreign release: '$out'"

install_sh uninstall || fail "uninstall failed"
[ -e "$mods/extra/tlsnic.ko" ] && fail "module file still there"
file_has "$mods/modules.dep" "tlsnic" && fail "depmod still lists the module"
"$root/modprobe" tlsnic 2>/dev/null && { unload; fail "modprobe found the uninstalled module"; }
if ip link add tn0 type tlsnic 2>/dev/null; then
	ip link del tn0
	fail "ip link add type tlsnic worked without the module"
fi
loaded && fail "module loaded after uninstall"
exit 0
