#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the tlsnic guest kernel and print its tree's path.
#
#   scripts/build-kernel.sh [test|release]
#
# The tree is cached under $TLSNIC_CACHE/kernel/, keyed by the kernel source
# version, the flavour and a hash of the fragments' options, the patches and the
# toolchain, so only the first run pays for the build. An interrupted build resumes.
# The patches in qemu/patches/ (kernel fixes tlsnic's tests found; each says why)
# are applied to the unpacked source, in name order.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

flavour=${1:-test}
case "$flavour" in test|release) ;; *) die "unknown flavour '$flavour' (test|release)" ;; esac

[ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run scripts/setup.sh"
kfrag=$TLSNIC_ROOT/qemu/kconfig
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 | tr -c "A-Za-z0-9.\n" _)
patches=("$TLSNIC_ROOT"/qemu/patches/*.patch)
key=$( { grep -h '^CONFIG_' "$kfrag/base.config" "$kfrag/$flavour.config"
	 cat "${patches[@]}"
	 /usr/bin/rustc --version; clang-19 --version | head -1
	 "$TLSNIC_TOOLS/bin/bindgen" --version; echo "$srcver allnoconfig"; } | sha256sum | cut -c1-12)
kdir=$TLSNIC_CACHE/kernel/$srcver-$flavour-$key
stamp=$kdir/.tlsnic-built

if [ -f "$stamp" ]; then
	echo "$kdir"
	exit 0
fi

mkdir -p "$TLSNIC_CACHE/kernel"
exec 9>"$kdir.lock"
flock 9
if [ -f "$stamp" ]; then echo "$kdir"; exit 0; fi

kmake() { make -C "$kdir" "${KMAKE_VARS[@]}" "$@"; }

if ! [ -f "$kdir/Makefile" ]; then
	log "unpacking kernel source $srcver into $kdir"
	rm -rf "$kdir.unpack"
	mkdir -p "$kdir.unpack"
	tar -xf "$KERNEL_TARBALL" -C "$kdir.unpack" --strip-components=1
	for p in "${patches[@]}"; do
		log "applying ${p##*/}"
		patch -s -p1 -d "$kdir.unpack" <"$p" || die "${p##*/} does not apply to $srcver"
	done
	mv "$kdir.unpack" "$kdir"
fi

log "configuring ($flavour): allnoconfig + base.config + $flavour.config"
cat "$kfrag/base.config" "$kfrag/$flavour.config" >"$kdir/.tlsnic-allconfig"
kmake -s KCONFIG_ALLCONFIG="$kdir/.tlsnic-allconfig" allnoconfig >/dev/null

# Every option a fragment sets must have landed (Kconfig silently drops
# options whose dependencies are unmet, e.g. RUST when rustc is unusable).
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		grep -q "^$opt=" "$kdir/.config" && { log "config: $opt is set, wanted n"; bad=1; } ;;
	CONFIG_*=*) grep -qx "$line" "$kdir/.config" || { log "config: $line did not stick"; bad=1; } ;;
	esac
done <"$kdir/.tlsnic-allconfig"
[ "$bad" = 0 ] || die "kernel config does not match the fragments (see above)"

# Progress: objects compiled so far against the count of the last cold build of this flavour
# (measured; only for the percentage, the build does not depend on it).
declare -A expect=([test]=1450 [release]=1440)
jobs=$(nproc)
total=${expect[$flavour]}
log "building kernel ($flavour, $jobs jobs, about $total objects); cold: 10 to 14 minutes on 2 cores"
blog=$kdir/.tlsnic-build.log
start=$(date +%s)
kmake -j"$jobs" bzImage modules >"$blog" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 20
	kill -0 "$pid" 2>/dev/null || break
	n=$(grep -c -E '^  (CC|AS|RUSTC) ' "$blog" || true)
	pct=$((n * 100 / total)); [ "$pct" -le 99 ] || pct=99
	el=$(( $(date +%s) - start ))
	log "  kernel ($flavour): ${pct}% ($n of ~$total objects), $((el / 60)):$(printf %02d $((el % 60))) elapsed"
done
if ! wait "$pid"; then
	tail -n 40 "$blog" >&2
	die "kernel build failed (full log: $blog)"
fi
kmake -s modules_prepare >/dev/null
el=$(( $(date +%s) - start ))
log "kernel ($flavour) built in $((el / 60)):$(printf %02d $((el % 60))) ($(grep -c -E '^  (CC|AS|RUSTC) ' "$blog") objects): $kdir"
echo "$el" >"$kdir/.tlsnic-build-secs"
touch "$stamp"
echo "$kdir"
