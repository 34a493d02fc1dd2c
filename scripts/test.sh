#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and runs the whole
# test suite twice: the `ci` preset (optimised, warnings as errors, the
# release link) and the `dev` preset (AddressSanitizer + UndefinedBehavior-
# Sanitizer, with PHP's allocator off so the sanitizers see PHP's heap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$EPHPM_ROOT"

"$EPHPM_ROOT/scripts/build.sh" ci >/dev/null
log "running the test suite (ci preset)"
ctest --preset ci -j2

"$EPHPM_ROOT/scripts/build.sh" dev >/dev/null
log "running the test suite under ASan + UBSan (dev preset)"
ctest --preset dev -j2
