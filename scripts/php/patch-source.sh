#!/usr/bin/env bash
# Edits an unpacked PHP 8.4 source tree so that OPcache ends up inside the
# ephpm binary and switches itself on for our SAPI. Each edit is checked; a
# tree the edits do not fit stops the build with a message instead of
# silently producing a PHP without OPcache.
#
# 1. ext/opcache/config.m4 forces `ext_shared=yes`, so 8.4 can only build
#    opcache.so. Without that line `--enable-opcache` builds it statically.
# 2. OPcache is a zend_extension, not a module: the generated table of
#    built-in modules must not register it (the server registers it with
#    zend_register_extension() itself). A header that defines its table
#    entry as NULL does that: php_register_extensions() skips NULL slots.
# 3. OPcache enables itself only for SAPI names on a fixed list; add ours.
# 4. opcache-zts-restart.patch: under ZTS, OPcache's fcntl()-based count of
#    processes using the cache cannot see this process's other threads, so a
#    restart (opcache_reset(), a full cache) could free scripts that other
#    threads are running. The patch counts threads instead, and drops the
#    per-request fcntl() read lock and the unlock-all at request end, which
#    under ZTS tell nobody anything (three system calls per request).
# 5. zts-timer-reuse.patch: each PHP thread keeps its max_execution_time
#    timer and its SIGRTMIN handler from one request to the next, instead of
#    creating and deleting the timer and re-installing the handler and the
#    signal mask around every request (eight system calls per request).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

src="${1:?usage: patch-source.sh PHP_SOURCE_DIR}"
cd "$src"

m4=ext/opcache/config.m4
grep -qE '^[[:space:]]*ext_shared=yes[[:space:]]*$' "$m4" ||
    die "$m4 does not force a shared build as PHP 8.4 does" \
        "build PHP 8.4 (EPHPM_PHP_SOURCE must point at an 8.4 source)"
sed -i -E '/^[[:space:]]*dnl Always build as shared extension/d; /^[[:space:]]*ext_shared=yes[[:space:]]*$/d' "$m4"

cat >ext/opcache/php_opcache_static.h <<'EOF'
/* Added by ePHPm's build: OPcache is linked into the server binary. It is a
 * zend_extension, so the server registers it with zend_register_extension()
 * before the Zend extensions start; the built-in module table only gets an
 * empty slot for it, which php_register_extensions() skips. */
#ifndef PHP_OPCACHE_STATIC_H
#define PHP_OPCACHE_STATIC_H
#define phpext_opcache_ptr NULL
#endif
EOF

accel=ext/opcache/ZendAccelerator.c
grep -q '^[[:space:]]*"frankenphp",$' "$accel" ||
    die "$accel has no supported_sapis list as PHP 8.4 does" \
        "build PHP 8.4 (EPHPM_PHP_SOURCE must point at an 8.4 source)"
sed -i -E 's/^([[:space:]]*)"frankenphp",$/\1"frankenphp",\n\1"ephpm",/' "$accel"
grep -q '^[[:space:]]*"ephpm",$' "$accel" || die "adding ephpm to OPcache's SAPI list failed"
grep -q 'ZEND_EXT_API zend_extension zend_extension_entry' "$accel" ||
    die "$accel does not define zend_extension_entry, which the server registers"

patch -p1 --forward --silent <"$EPHPM_ROOT/scripts/php/opcache-zts-restart.patch" ||
    die "scripts/php/opcache-zts-restart.patch does not apply to $accel" \
        "build the pinned PHP 8.4 source, or refresh the patch for this version"
grep -q 'zts_try_begin_restart' "$accel" || die "the OPcache ZTS restart patch did not apply"

patch -p1 --forward --silent <"$EPHPM_ROOT/scripts/php/zts-timer-reuse.patch" ||
    die "scripts/php/zts-timer-reuse.patch does not apply to Zend/zend_execute_API.c" \
        "build the pinned PHP 8.4 source, or refresh the patch for this version"
grep -q 'timeout_signals_ready' Zend/zend_execute_API.c || die "the ZTS timer patch did not apply"

log "patched PHP source: static OPcache, enabled for the ephpm SAPI, ZTS-safe restarts, per-thread timers"
