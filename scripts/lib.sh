# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared settings for tlsnic scripts. Sourced, not executed.

TLSNIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLSNIC_CACHE=${TLSNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tlsnic}
TLSNIC_TOOLS=$TLSNIC_CACHE/tools
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Toolchain the kernel must be built with (never the rustup toolchain).
KMAKE_VARS=(LLVM=-19 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc
	RUSTDOC=/usr/bin/rustdoc BINDGEN="$TLSNIC_TOOLS/bin/bindgen")
export LIBCLANG_PATH=/usr/lib/llvm-19/lib

log() { printf '[tlsnic] %s\n' "$*" >&2; }
die() { printf '[tlsnic] error: %s\n' "$*" >&2; exit 1; }

# prepare FLAVOUR: install what is missing, build the kernel and the module; prints the .ko path.
prepare() {
	"$TLSNIC_ROOT/scripts/setup.sh" >&2
	"$TLSNIC_ROOT/scripts/build-kernel.sh" "$1" >/dev/null
	"$TLSNIC_ROOT/scripts/build-samples.sh" >/dev/null
	"$TLSNIC_ROOT/scripts/build-module.sh" "$1"
}

# out_dir NAME: build/NAME, emptied; prints its path.
out_dir() {
	rm -rf "${TLSNIC_ROOT:?}/build/$1"
	mkdir -p "$TLSNIC_ROOT/build/$1"
	echo "$TLSNIC_ROOT/build/$1"
}

# set_vars NAME...: NAME=VALUE for each NAME set here, a line each. The guest does not inherit
# the host's environment, so a command passes what it needs through env.
set_vars() { local v; for v in "$@"; do [ -z "${!v:-}" ] || printf '%s=%s\n' "$v" "${!v}"; done; }
