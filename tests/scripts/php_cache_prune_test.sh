#!/usr/bin/env bash
# scripts/php/prune-cache.sh on a made-up cache: the current prefix and the
# newest finished one before it stay, older and unfinished ones and those of
# the layout before suites go, other suites are left alone, and every
# removal is named.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EPHPM_CACHE_DIR="$work/cache"
passed=0
failed=0
check() { # check NAME test-args...
    local name="$1"
    shift
    if "$@"; then echo "ok: $name"; passed=$((passed + 1)); else echo "FAIL: $name"; failed=$((failed + 1)); fi
}

prefix() { # prefix PATH AGE-IN-HOURS [unfinished]
    mkdir -p "$1/lib"
    echo "libphp" >"$1/lib/libphp.a"
    [ "${3:-}" = unfinished ] || printf 'version=8.4.0\n' >"$1/.ephpm-complete"
    touch "$EPHPM_CACHE_DIR/php-build-$(basename "$1").log"
    touch -d "-$2 hours" "$1"
}
php="$EPHPM_CACHE_DIR/php"
prefix "$php/wordpress/8.4.24-cccc" 1
prefix "$php/wordpress/8.4.24-bbbb" 5
prefix "$php/wordpress/8.4.24-aaaa" 9
prefix "$php/wordpress/8.4.24-dddd" 3 unfinished
prefix "$php/laravel/8.4.24-eeee" 20
prefix "$php/8.4.24-ffff" 30
ln -s "$php/8.4.24-ffff" "$php/current"

out=$("$root/scripts/php/prune-cache.sh" "$php/wordpress/8.4.24-cccc" 2>&1)
rc=$?
check "exit status 0" [ "$rc" -eq 0 ]
check "the current prefix stays" [ -f "$php/wordpress/8.4.24-cccc/.ephpm-complete" ]
check "the newest finished one before it stays" [ -f "$php/wordpress/8.4.24-bbbb/.ephpm-complete" ]
check "an older one goes" [ ! -e "$php/wordpress/8.4.24-aaaa" ]
check "its build log goes" [ ! -e "$EPHPM_CACHE_DIR/php-build-8.4.24-aaaa.log" ]
check "an unfinished one goes" [ ! -e "$php/wordpress/8.4.24-dddd" ]
check "another suite is left alone" [ -f "$php/laravel/8.4.24-eeee/.ephpm-complete" ]
check "the layout before suites goes" [ ! -e "$php/8.4.24-ffff" ]
check "so does its current link" [ ! -L "$php/current" ]
check "each removal is named" [ "$(grep -c '^==> pruning ' <<<"$out")" -eq 3 ]

out=$("$root/scripts/php/prune-cache.sh" "$php/wordpress/8.4.24-nonexistent" 2>&1)
check "an unfinished current prefix is refused" [ $? -eq 1 ]
check "and nothing else is touched" [ -f "$php/wordpress/8.4.24-bbbb/.ephpm-complete" ]

[ "$failed" -eq 0 ] || echo "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
