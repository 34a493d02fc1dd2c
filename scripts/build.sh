#!/usr/bin/env bash
# Installs the dependencies, builds libphp (cached) and builds ePHPm with a
# CMake preset (default: release). Prints the build directory.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

preset="${1:-release}"
"$EPHPM_ROOT/scripts/install-deps.sh" >&2
"$EPHPM_ROOT/scripts/php/build.sh" >/dev/null
# The fully static presets (CMakePresets.json: EPHPM_FULLY_STATIC) also need
# the static libraries Debian does not ship.
case "$preset" in
    release | ci) "$EPHPM_ROOT/scripts/static/build-libs.sh" >/dev/null ;;
esac
log "building ephpm (preset $preset)"
# Build output goes to stderr: stdout carries only the build directory, for
# callers that capture it, and compiler errors must never be swallowed.
cmake --preset "$preset" -S "$EPHPM_ROOT" >&2 ||
    die "cmake configure failed for preset $preset" "read CMake's message above"
cmake --build --preset "$preset" >&2 ||
    die "building ephpm failed" "read the compiler's message above"
echo "$EPHPM_ROOT/build/$preset"
