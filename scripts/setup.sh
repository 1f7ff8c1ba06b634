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
# tools the test suite uses (iproute2, ethtool, bpftool, openssl, socat, dkms, ...) and perf
# for make profile.
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
	linux-perf dkms bpftrace
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
	apt-get install -y -q --no-install-recommends "${PKGS[@]}"
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
