#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and runs the whole
# test suite: the `ci` preset (optimised, warnings as errors).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$EPHPM_ROOT/scripts/build.sh" ci >/dev/null
log "running the test suite"
cd "$EPHPM_ROOT"
ctest --preset ci -j2
