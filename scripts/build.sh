#!/usr/bin/env bash
# Installs the dependencies, builds libphp (cached) and builds ePHPm with a
# CMake preset (default: release). Prints the build directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

preset="${1:-release}"
"$EPHPM_ROOT/scripts/install-deps.sh"
"$EPHPM_ROOT/scripts/php/build.sh" >/dev/null
log "building ephpm (preset $preset)"
cmake --preset "$preset" -S "$EPHPM_ROOT" >/dev/null ||
    die "cmake configure failed for preset $preset" "read CMake's message above"
cmake --build --preset "$preset" || die "building ephpm failed" "read the compiler's message above"
echo "$EPHPM_ROOT/build/$preset"
