#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host unit and property tests of the no_std core crate: cargo test with the host toolchain.
# Its "test result:" lines are what scripts/check.sh counts.
#
#   scripts/host-test.sh [CARGO_TEST_ARGS...]      # make host-test also runs scripts/fuzz.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
cd "$TLSNIC_ROOT/rust/core"
exec "$cargo" test --locked --quiet "$@"
