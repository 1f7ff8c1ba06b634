#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the tlsnic guest: qemu/run.sh boots the kernel with init= this file, on the host's
# root filesystem (9p, read-only). Mounts what the tests need, runs the command qemu/run.sh left
# in its run directory (tlsnic.run= on the kernel command line) with its output on the
# tlsnic.out virtio serial port, writes its exit status next to it, and reboots, which QEMU
# (-no-reboot) turns into its own exit. Without a command it runs a shell on the serial port.
#
# There is no udev, no service manager and no firmware power-off: the guest is the kernel,
# this script and the command.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C
repo=${0%/qemu/init.sh}
# Every process costs the emulated debug kernel a few hundred milliseconds, most of it in the
# dynamic loader: the mounts use the static busybox, one process each.
bb=/bin/busybox

$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mount -t tmpfs -o mode=755 run /run
$bb mkdir -p /dev/pts /dev/shm /run/overlay/etc/upper /run/overlay/etc/work \
	/run/overlay/var/upper /run/overlay/var/work /run/overlay/root/upper /run/overlay/root/work
$bb ln -s /proc/self/fd /dev/fd
$bb ln -s fd/0 /dev/stdin
$bb ln -s fd/1 /dev/stdout
$bb ln -s fd/2 /dev/stderr
$bb mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
$bb mount -t tmpfs -o mode=1777 shm /dev/shm
$bb mount -t tmpfs -o mode=1777 tmp /tmp
# Writable copies-on-write of the directories programs write to.
for d in etc var root; do
	$bb mount -t overlay -o "lowerdir=/$d,upperdir=/run/overlay/$d/upper,workdir=/run/overlay/$d/work" \
		overlay "/$d"
done
$bb mount -t debugfs debugfs /sys/kernel/debug
$bb mount -t tracefs tracefs /sys/kernel/tracing
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup
$bb mount -t bpf bpf /sys/fs/bpf
# A repository under /tmp or /run is hidden by the tmpfs just mounted there: qemu/run.sh also
# shares the repository itself (read-only), mounted at its path when it is not visible.
p9=trans=virtio,version=9p2000.L,msize=512000,cache=loose
if ! [ -f "$repo/qemu/init.sh" ]; then
	$bb mkdir -p "$repo"
	$bb mount -t 9p -o "ro,$p9" tlsnic-repo "$repo"
fi
$bb mount -t 9p -o "$p9" tlsnic-build "$repo/build"
echo tlsnic-guest >/proc/sys/kernel/hostname
echo "127.0.0.1 localhost tlsnic-guest" >/etc/hosts
$bb ip link set lo up
# The soak keeps thousands of sockets open in one process.
echo 1048576 >/proc/sys/fs/nr_open
ulimit -n 1048576

read -r cmdline </proc/cmdline
run=
for w in $cmdline; do [[ $w == tlsnic.run=* ]] && run=${w#tlsnic.run=}; done
# PID 1 must not exit (the kernel would panic): whatever fails, the guest reboots below, and
# qemu/run.sh reports the missing exit status with the console's tail.
if ! cd "$repo"; then
	echo "tlsnic init: the repository $repo is not visible in the guest" >/dev/ttyS0
	echo b >/proc/sysrq-trigger
fi
if [ -n "$run" ] && [ -f "$run/cmd" ]; then
	out=
	for p in /sys/class/virtio-ports/*; do
		read -r name <"$p/name" && [ "$name" = tlsnic.out ] && out=/dev/${p##*/}
	done
	[ -n "$out" ] || { echo "tlsnic init: no tlsnic.out port" >/dev/ttyS0; out=/dev/ttyS0; }
	bash "$run/cmd" <>/dev/null >"$out" 2>&1
	echo "$?" >"$run/status"
else
	echo "tlsnic guest: $(uname -r); exit the shell to power off"
	setsid -c bash -l <>/dev/ttyS0 >&0 2>&1
fi
$bb sync
echo b >/proc/sysrq-trigger
