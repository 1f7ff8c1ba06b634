#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the tlsnic guest kernel under QEMU and run one command in it.
#
#   qemu/run.sh [--release | --kdir DIR] [--mem SIZE] [--cpus N] [--timeout SECONDS]
#               [--console FILE] [--] COMMAND [ARGS...]
#
# The guest sees the host's root filesystem read-only (with tmpfs on /tmp and /run and
# writable overlays on /etc, /var and /root), the repository at the same path with its build/
# writable and shared with the host, and starts in the repository root. COMMAND runs as root;
# its output is printed and its exit status is ours (125 if the guest ended without one, 124
# on timeout). Without COMMAND an interactive shell runs on the serial console. --kdir boots
# the bzImage of another built kernel tree (one configured from qemu/kconfig/base.config).
#
# The guest's PID 1 is qemu/init.sh. The kernel console goes to --console FILE (default
# build/qemu/console-FLAVOUR.log), whose tail is shown when the guest did not run COMMAND to
# the end. Several guests may run at once, each with its own console file. KVM is used when
# the CPU exposes VMX/SVM and /dev/kvm is usable (TLSNIC_KVM=1 forces it, TLSNIC_KVM=0
# forbids it); otherwise QEMU emulates the CPU (TCG, CPU model TLSNIC_QEMU_CPU, default max).
# TLSNIC_QEMU_PIDFILE, if set, is where QEMU writes its process id (the benchmark watches
# which CPU time on the host was not the guest's).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

flavour='test'
kdir=
mem=2G
cpus=2
tmo=${TLSNIC_GUEST_TIMEOUT:-3600}
console=
while [ $# -gt 0 ]; do
	case "$1" in
	--release) flavour=release; shift ;;
	--test) flavour='test'; shift ;;
	--kdir) kdir=$2; flavour=custom; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--console) console=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done

[ -n "$kdir" ] || kdir=$("$root/scripts/build-kernel.sh" "$flavour")
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no kernel image in $kdir"

accel=(-accel tcg -cpu "${TLSNIC_QEMU_CPU:-max}")
case "${TLSNIC_KVM:-auto}" in
1) accel=(-accel kvm -cpu host) ;;
0) ;;
*) if grep -qw -e vmx -e svm /proc/cpuinfo && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=(-accel kvm -cpu host)
   fi ;;
esac

# The run's directory, shared with the guest under build/: the command, its exit status and
# the kernel console.
mkdir -p "$root/build/qemu"
run=$(mktemp -d "$root/build/qemu/run.XXXXXX")
console=${console:-$root/build/qemu/console-$flavour.log}
trap 'rm -rf "$run"' EXIT

args=(-machine q35 "${accel[@]}" -smp "$cpus" -m "$mem" -nodefaults -nographic -no-reboot
	-kernel "$kdir/arch/x86/boot/bzImage"
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=root,mount_tag=tlsnic-root"
	-fsdev "local,id=build,path=$root/build,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=build,mount_tag=tlsnic-build"
	-fsdev "local,id=repo,path=$root,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=repo,mount_tag=tlsnic-repo"
	-device virtio-rng-pci)
append="console=ttyS0 quiet printk.devkmsg=on panic=-1 ro root=tlsnic-root rootfstype=9p"
append+=" rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose"
append+=" init=$root/qemu/init.sh tlsnic.run=$run ${TLSNIC_GUEST_APPEND:-}"

if [ $# -eq 0 ]; then
	# Interactive: the shell and the kernel console share the serial port.
	exec qemu-system-x86_64 "${args[@]}" -serial mon:stdio -append "$append"
fi

printf '%q ' "$@" >"$run/cmd"
# The command's output comes through a virtio serial port (QEMU writes it to the FIFO out.out,
# which cat copies to our stdout), the kernel's through the serial port.
mkfifo "$run/out.in" "$run/out.out"
cat "$run/out.out" &
cat_pid=$!
rc=0
[ -z "${TLSNIC_QEMU_PIDFILE:-}" ] || args+=(-pidfile "$TLSNIC_QEMU_PIDFILE")
timeout --foreground -k 10 "$tmo" qemu-system-x86_64 "${args[@]}" \
	-serial "file:$console" \
	-device virtio-serial-pci -chardev "pipe,id=out,path=$run/out" \
	-device virtserialport,chardev=out,name=tlsnic.out \
	-append "$append" </dev/null || rc=$?
# cat ends when QEMU closes the FIFO; if QEMU never opened it, end cat.
{ sleep 5; kill "$cat_pid" 2>/dev/null; } &
wait "$cat_pid" 2>/dev/null || true
if [ -s "$run/status" ]; then
	exit "$(cat "$run/status")"
fi
[ "$rc" = 124 ] && log "the guest did not finish within $tmo s"
log "the guest ended without the command's exit status (QEMU status $rc); kernel console ($console):"
tail -n 40 "$console" >&2
[ "$rc" = 124 ] && exit 124
exit 125
