#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything tlsnic needs on a fresh Debian 12 machine. Idempotent:
# a second run only checks and returns.
#
# Installs: the 6.12 kernel source, the Rust toolchain the kernel wants
# (rustc-web 1.85 with its library source), clang/lld/llvm 19 (same LLVM as
# rustc), bindgen-cli 0.69.5, cargo-fuzz 0.13.2 (host tests), the linters
# (clippy of rustc-web for the module, shellcheck), QEMU, and the userspace
# tools the test suite uses (iproute2, ethtool, bpftool, openssl, socat, dkms, nginx, curl,
# ...) and perf for make profile.
#
# nginx is for the real-server sample (samples/nginx) and its guest test: Debian's `nginx`
# package (1.22, OpenSSL 3: the ssl module, ssl_conf_command and kTLS sendfile) is the small
# one (bookworm's nginx-light only adds an echo module to it). Its package would start a
# system nginx on port 80 and enable it at boot; setup.sh keeps it from starting while it
# installs nginx (a policy-rc.d for that apt-get only, unless the machine has its own) and
# disables the unit, unless nginx was already installed. The tests run their own nginx.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"

RUST_V=1.85.0+dfsg3-1~deb12u3
PKGS=(
	linux-source-6.12 build-essential flex bison bc libelf-dev libssl-dev cpio kmod
	clang-19 lld-19 llvm-19 libclang-19-dev pahole zstd xz-utils rsync
	"rustc-web=$RUST_V" "rust-web-src=$RUST_V" "libstd-rust-web-dev=$RUST_V"
	"rust-web-clippy=$RUST_V" shellcheck
	qemu-system-x86 busybox-static python3
	iproute2 ethtool bpftool libbpf-dev linux-libc-dev iputils-ping openssl socat iperf3 procps bc
	linux-perf dkms bpftrace nginx curl
)

need_apt=0
for p in "${PKGS[@]}"; do
	name=${p%%=*}
	want=${p#*=}
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
	case "$have" in
	"install ok installed"*)
		if [ "$want" != "$p" ] && [ "${have##* }" != "$want" ]; then need_apt=1; fi ;;
	*) need_apt=1 ;;
	esac
done

if [ "$need_apt" = 1 ]; then
	log "installing Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	new_nginx=0
	dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q 'ok installed' || new_nginx=1
	# A first install of nginx: no service starts during this apt-get (exit 101: "action
	# forbidden by policy", invoke-rc.d's and deb-systemd-invoke's convention).
	rc_policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ "$new_nginx" = 1 ] && ! [ -e "$rc_policy" ]; then
		printf '#!/bin/sh\n# scripts/setup.sh of tlsnic, during apt-get install only\nexit 101\n' >"$rc_policy"
		chmod 755 "$rc_policy"
		own_policy=1
		trap 'rm -f "$rc_policy"' EXIT
	fi
	apt-get install -y -q --no-install-recommends "${PKGS[@]}"
	if [ "$own_policy" = 1 ]; then
		rm -f "$rc_policy"
		trap - EXIT
	fi
	# ...and it does not start at boot either (the package enabled its unit).
	if [ "$new_nginx" = 1 ] && [ -d /run/systemd/system ]; then
		systemctl disable --now nginx.service >/dev/null 2>&1 || true
	fi
fi

# bindgen-cli: built with the host's cargo into the project's tools directory.
if ! [ -x "$TLSNIC_TOOLS/bin/bindgen" ] ||
   ! "$TLSNIC_TOOLS/bin/bindgen" --version 2>/dev/null | grep -q '0\.69\.5'; then
	log "installing bindgen-cli 0.69.5"
	cargo_bin=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
	"$cargo_bin" install --locked bindgen-cli@0.69.5 --root "$TLSNIC_TOOLS"
fi

# cargo-fuzz: the host tests build and run the core crate's fuzz target with it.
if ! [ -x "$TLSNIC_TOOLS/bin/cargo-fuzz" ] ||
   ! "$TLSNIC_TOOLS/bin/cargo-fuzz" --version 2>/dev/null | grep -q '0\.13\.2'; then
	log "installing cargo-fuzz 0.13.2"
	cargo_bin=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
	"$cargo_bin" install --locked cargo-fuzz@0.13.2 --root "$TLSNIC_TOOLS"
fi

log "setup complete"
