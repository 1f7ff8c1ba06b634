#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the tlsnic guest kernel under QEMU (virtme-ng) and run one command in it.
#
#   qemu/run.sh [--release] [--mem SIZE] [--cpus N] [--timeout SECONDS] [--] COMMAND [ARGS...]
#
# The guest sees the host's root filesystem read-only (with tmpfs overlays on /tmp, /etc, ...),
# the repository at the same path and writable build/ directory, and starts in the repository
# root. COMMAND runs as root; its output is printed and its exit status is ours. Without
# COMMAND an interactive shell is started.
#
# KVM is used when the CPU exposes VMX/SVM and /dev/kvm is usable (TLSNIC_KVM=1 forces it,
# TLSNIC_KVM=0 forbids it); otherwise QEMU emulates the CPU (TCG).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"

flavour=test
mem=2G
cpus=2
tmo=${TLSNIC_GUEST_TIMEOUT:-3600}
while [ $# -gt 0 ]; do
	case "$1" in
	--release) flavour=release; shift ;;
	--test) flavour=test; shift ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done

[ -x "$TLSNIC_VENV/bin/vng" ] || die "virtme-ng missing: run scripts/setup.sh"
kdir=$("$root/scripts/build-kernel.sh" "$flavour")

kvm=()
case "${TLSNIC_KVM:-auto}" in
1) ;;
0) kvm=(--disable-kvm) ;;
*) if ! grep -qw -e vmx -e svm /proc/cpuinfo || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	kvm=(--disable-kvm)
   fi ;;
esac

mkdir -p "$root/build"
export PATH="$TLSNIC_VENV/bin:$PATH"
args=(--run "$kdir/arch/x86/boot/bzImage" "${kvm[@]}" --cpus "$cpus" --memory "$mem"
	--cwd "$root" --rwdir "$root/build" --append "printk.devkmsg=on")
if [ $# -gt 0 ]; then
	cmd=$(printf '%q ' "$@")
	exec timeout --foreground -k 10 "$tmo" "$TLSNIC_VENV/bin/vng" "${args[@]}" --exec "$cmd"
fi
exec "$TLSNIC_VENV/bin/vng" "${args[@]}"
