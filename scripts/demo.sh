#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine (as root) and serves the
# demo site (demo/public) on http://127.0.0.1:8080 with the repo's ephpm.toml.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

build_dir=$("$EPHPM_ROOT/scripts/build.sh" release)
log "serving the demo site on http://127.0.0.1:8080 (Ctrl-C stops)"
exec "$build_dir/ephpm" --config "$EPHPM_ROOT/ephpm.toml" "$@"
