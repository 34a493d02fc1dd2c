#!/usr/bin/env bash
# Side-by-side load test of ePHPm, nginx + php-fpm and Apache + mod_php on
# 127.0.0.1 (benches/compare.py does the measuring; docs/benchmarks.md shows
# a run). Installs the peers and the load generators from Debian, builds the
# release binary, then runs every workload against every server.
#
#   benches/compare.sh [compare.py options]   e.g. --duration 2 --repeats 1
#
# Needs root (apt-get, and php-fpm/nginx run as root from a temporary
# directory). No system service is started or touched: while installing,
# /usr/sbin/policy-rc.d forbids postinst scripts to start them.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

peers=(nginx php8.2-fpm php8.2-opcache apache2 libapache2-mod-php8.2 wrk nghttp2-client)

missing=()
for p in "${peers[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    require_root "benches/compare.sh"
    created_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        created_policy=yes
    fi
    cleanup_policy() { if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; }
    trap cleanup_policy EXIT
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_get=(apt-get -o DPkg::Lock::Timeout=900)
    "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" ||
        { "${apt_get[@]}" update -qq && "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}"; } ||
        die "apt-get install failed for: ${missing[*]}" "read apt's message above"
    cleanup_policy
    trap - EXIT
fi

# Two compile jobs at most unless the caller says otherwise.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
build_dir="$("$EPHPM_ROOT/scripts/build.sh" release)"
exec python3 "$EPHPM_ROOT/benches/compare.py" --ephpm "$build_dir/ephpm" "$@"
