#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: set up, build the release kernel and tlsnic.ko, boot, run the demo in the guest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$here/lib.sh"
ko=$(prepare release)
exec "$TLSNIC_ROOT/qemu/run.sh" --release -- scripts/guest/demo.sh "$ko"
