#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and runs the whole
# test suite twice: the `ci` preset (optimised, warnings as errors, the
# release link) and the `dev` preset (AddressSanitizer + UndefinedBehavior-
# Sanitizer, with PHP's allocator off so the sanitizers see PHP's heap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$EPHPM_ROOT"

# Runs one preset's tests. On a failure the output of each failed test is
# printed again at the very end, where a log cut to its tail still shows it.
run_tests() {
    local preset=$1
    ctest --preset "$preset" -j2 && return 0
    local last="$EPHPM_ROOT/build/$preset/Testing/Temporary/LastTest.log"
    log "output of the failed tests ($preset preset)"
    [ -f "$last" ] && awk '
        /^[0-9]+\/[0-9]+ Testing: / { if (failed) printf "%s", block; block = ""; failed = 0 }
        { block = block $0 "\n" }
        /^Test Failed/ { failed = 1 }
        END { if (failed) printf "%s", block }' "$last" | tail -n 300
    die "tests failed (preset $preset)" "read the output of the failed tests above"
}

"$EPHPM_ROOT/scripts/build.sh" ci >/dev/null
log "running the test suite (ci preset)"
run_tests ci

"$EPHPM_ROOT/scripts/build.sh" dev >/dev/null
log "running the test suite under ASan + UBSan (dev preset)"
run_tests dev
