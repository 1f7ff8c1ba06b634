#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host unit tests of the no_std core crate (cargo test with the host toolchain).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
cd "$TLSNIC_ROOT/rust/core"
"$cargo" test --locked --quiet "$@"
