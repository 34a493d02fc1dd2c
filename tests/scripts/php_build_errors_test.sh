#!/usr/bin/env bash
# scripts/php/build.sh on bad input: each case must stop with exit status 1,
# one "error:" message saying what failed and a "what to do" line, and leave
# no PHP prefix that a later run would take as finished.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
real_cache="${EPHPM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ephpm}"
export EPHPM_CACHE_DIR="$work/cache"
passed=0
failed=0

expect_failure() {
    local name="$1" expected="$2"
    local out rc
    out=$("$root/scripts/php/build.sh" 2>&1 </dev/null)
    rc=$?
    local problems=()
    [ "$rc" -eq 1 ] || problems+=("exit status $rc, expected 1")
    grep -q '^error: ' <<<"$out" || problems+=("no 'error:' line")
    grep -q 'what to do: ' <<<"$out" || problems+=("no 'what to do:' line")
    grep -qF -- "$expected" <<<"$out" || problems+=("message lacks '$expected'")
    if compgen -G "$EPHPM_CACHE_DIR/php/*/*/.ephpm-complete" >/dev/null; then
        problems+=("a finished-looking prefix was left behind")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name: ${problems[*]}"
        echo "$out" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

EPHPM_PHP_SUITE=nosuch expect_failure "unknown suite" "unknown extension suite 'nosuch'"

EPHPM_PHP_SOURCE="$work/missing.tar.xz" expect_failure "missing source" "does not exist"

echo "not a tarball" >"$work/junk.tar.xz"
EPHPM_PHP_SOURCE="$work/junk.tar.xz" expect_failure "not an archive" "not a readable tar archive"

mkdir -p "$work/empty"
EPHPM_PHP_SOURCE="$work/empty" expect_failure "not a PHP tree" "no main/php_version.h"

mkdir -p "$work/php82/php-8.2.0/main"
echo '#define PHP_VERSION "8.2.0"' >"$work/php82/php-8.2.0/main/php_version.h"
EPHPM_PHP_SOURCE="$work/php82/php-8.2.0" expect_failure "wrong PHP version" "needs PHP 8.4"

# An 8.4 tree the build cannot handle: the source edits refuse it and no
# prefix appears.
mkdir -p "$work/broken/php-8.4.99/main" "$work/broken/php-8.4.99/ext/opcache"
echo '#define PHP_VERSION "8.4.99"' >"$work/broken/php-8.4.99/main/php_version.h"
echo 'dnl nothing here' >"$work/broken/php-8.4.99/ext/opcache/config.m4"
EPHPM_PHP_SOURCE="$work/broken/php-8.4.99" expect_failure "broken 8.4 source" "config.m4"

# An 8.4 tree whose OPcache source the ZTS patch does not fit.
tree="$work/unpatchable/php-8.4.97"
mkdir -p "$tree/main" "$tree/ext/opcache"
echo '#define PHP_VERSION "8.4.97"' >"$tree/main/php_version.h"
printf 'if test yes; then\n  dnl Always build as shared extension.\n  ext_shared=yes\nfi\n' \
    >"$tree/ext/opcache/config.m4"
printf '\t"frankenphp",\n ZEND_EXT_API zend_extension zend_extension_entry = {\n' \
    >"$tree/ext/opcache/ZendAccelerator.c"
EPHPM_PHP_SOURCE="$tree" expect_failure "patch does not apply" "opcache-zts-restart.patch does not apply"

# A build that fails after the source edits: the real OPcache files from the
# pinned source (downloaded by scripts/php/fetch-source.sh into the real
# cache) in a tree whose buildconf fails.
tarball=$(ls "$real_cache"/src/php8.4_*.orig.tar.xz 2>/dev/null | head -n1)
if [ -z "$tarball" ]; then
    echo "FAIL: failing build: no PHP source tarball in the cache (run scripts/php/build.sh first)"
    failed=$((failed + 1))
else
    top=$(tar -tJf "$tarball" | head -n1 | cut -d/ -f1)
    tar -xJf "$tarball" -C "$work" "$top/ext/opcache/config.m4" "$top/ext/opcache/ZendAccelerator.c" \
        "$top/Zend/zend_execute_API.c" "$top/main/php_version.h"
    printf '#!/bin/sh\necho "buildconf: simulated failure" >&2\nexit 1\n' >"$work/$top/buildconf"
    chmod +x "$work/$top/buildconf"
    EPHPM_PHP_SOURCE="$work/$top" expect_failure "failing build" "PHP build failed during: buildconf"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
