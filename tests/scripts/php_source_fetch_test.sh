#!/usr/bin/env bash
# scripts/php/fetch-source.sh against Debian's archive and against local
# stand-ins for an index and a mirror that misbehave:
#   - into an empty cache, the pinned tarball arrives and has the pinned hash;
#   - an index that does not list the pin (a local deb-src repository) still
#     leads to the pinned tarball, from the pool;
#   - the index's newest version is used only once its file has downloaded
#     and matches the index's hash;
#   - a corrupted download is refused with both hashes and leaves nothing in
#     the cache, and a corrupted cached copy is replaced.
# Needs Debian's archive (as the build does); no root.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
fetch="$root/scripts/php/fetch-source.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pinned_sha=$(sed -nE 's/^ *php8\.4\) echo "[^ ]+ [^ ]+ ([0-9a-f]{64})".*/\1/p' "$fetch")
passed=0
failed=0

check() { # check NAME CONDITION-TEXT OUTPUT [test args...]
    local name="$1" output="$2"
    shift 2
    if "$@"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name (failed: $*)"
        sed 's/^/    /' <<<"$output"
        failed=$((failed + 1))
    fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
no_tarball_in() { ! compgen -G "$1/src/*.orig.tar.*" >/dev/null && ! compgen -G "$1/src/.download.*" >/dev/null; }

# A local deb-src repository whose Sources index lists only php8.4 8.4.99-1;
# the tarball it names is written only where a case needs it.
repo="$work/repo"
mkdir -p "$repo"
echo "a stand-in for PHP 8.4.99" | xz >"$work/php8.4_8.4.99.orig.tar.xz"
write_index() { # write_index SHA256-TO-LIST
    local size
    size=$(stat -c %s "$work/php8.4_8.4.99.orig.tar.xz")
    cat >"$repo/Sources" <<SOURCES
Package: php8.4
Binary: php8.4-cli
Version: 8.4.99-1
Maintainer: Nobody <nobody@localhost>
Architecture: any
Format: 3.0 (quilt)
Directory: .
Checksums-Sha256:
 $1 $size php8.4_8.4.99.orig.tar.xz

SOURCES
}
local_index="deb-src [trusted=yes] file:$repo ./"

# 1. An empty cache: the pinned tarball, verified, from the pool.
cache="$work/cache1"
out=$(EPHPM_CACHE_DIR="$cache" "$fetch" 2>&1)
rc=$?
tarball="$cache/src/php8.4_8.4.24.orig.tar.xz"
check "empty cache: fetch succeeds" "$out" [ "$rc" -eq 0 ]
check "empty cache: the tarball has the pinned sha256" "$out" \
    [ "$(sha256sum "$tarball" 2>/dev/null | cut -c1-64)" = "$pinned_sha" ]
check "empty cache: says the route" "$out" contains "$out" "from route 'pool'"
out=$(EPHPM_CACHE_DIR="$cache" "$fetch" 2>&1)
check "a second run uses the verified copy" "$out" contains "$out" "already downloaded and verified"

# 2. The index does not list the pin (nor has the file of what it lists):
# the index route and the newest route fail, the pool still has the pin.
write_index "$(sha256sum "$work/php8.4_8.4.99.orig.tar.xz" | cut -c1-64)"
cache="$work/cache2"
out=$(EPHPM_CACHE_DIR="$cache" EPHPM_PHP_INDEX_SOURCE="$local_index" \
    EPHPM_PHP_SOURCE_ROUTES="index newest pool" "$fetch" 2>&1)
rc=$?
check "index without the pin: fetch succeeds" "$out" [ "$rc" -eq 0 ]
check "index without the pin: says so" "$out" contains "$out" "does not list php8.4 8.4.24-1~deb13u1"
check "index without the pin: the pinned tarball from the pool" "$out" \
    [ "$(sha256sum "$cache/src/php8.4_8.4.24.orig.tar.xz" 2>/dev/null | cut -c1-64)" = "$pinned_sha" ]
check "index without the pin: nothing of 8.4.99 kept" "$out" [ ! -e "$cache/src/php8.4_8.4.99.orig.tar.xz" ]

# 3. The newest version is taken once its file is there and matches.
cp "$work/php8.4_8.4.99.orig.tar.xz" "$repo/"
cache="$work/cache3"
out=$(EPHPM_CACHE_DIR="$cache" EPHPM_PHP_INDEX_SOURCE="$local_index" EPHPM_DEBIAN_MIRROR="file://$work/no-mirror" \
    EPHPM_PHP_SOURCE_ROUTES="newest" "$fetch" 2>&1)
rc=$?
check "newest: taken when downloadable" "$out" [ "$rc" -eq 0 ] 
check "newest: names the version and the hash" "$out" contains "$out" "php8.4 8.4.99-1 source (sha256 $(sha256sum "$work/php8.4_8.4.99.orig.tar.xz" | cut -c1-64))"
# ... and refused when the file does not match the index's hash.
write_index "0000000000000000000000000000000000000000000000000000000000000000"
cache="$work/cache3b"
out=$(EPHPM_CACHE_DIR="$cache" EPHPM_PHP_INDEX_SOURCE="$local_index" EPHPM_DEBIAN_MIRROR="file://$work/no-mirror" \
    EPHPM_PHP_SOURCE_ROUTES="newest" "$fetch" 2>&1)
rc=$?
check "newest with a wrong hash: refused" "$out" [ "$rc" -ne 0 ]
check "newest with a wrong hash: nothing in the cache" "$out" no_tarball_in "$cache"

# 4. A corrupted download from the pool: refused, both hashes, nothing kept.
mirror="$work/mirror"
mkdir -p "$mirror/pool/main/p/php8.4"
head -c 100000 /dev/urandom >"$mirror/pool/main/p/php8.4/php8.4_8.4.24.orig.tar.xz"
bad_sha=$(sha256sum "$mirror/pool/main/p/php8.4/php8.4_8.4.24.orig.tar.xz" | cut -c1-64)
cache="$work/cache4"
out=$(EPHPM_CACHE_DIR="$cache" EPHPM_DEBIAN_MIRROR="file://$mirror" EPHPM_PHP_SOURCE_ROUTES="pool" "$fetch" 2>&1)
rc=$?
check "corrupted download: exit status 1" "$out" [ "$rc" -eq 1 ]
check "corrupted download: prints the hash it got" "$out" contains "$out" "$bad_sha"
check "corrupted download: prints the pinned hash" "$out" contains "$out" "$pinned_sha"
check "corrupted download: nothing in the cache" "$out" no_tarball_in "$cache"

# 5. A cached copy that no longer has the pinned hash is replaced.
cp "$tarball" "$mirror/pool/main/p/php8.4/php8.4_8.4.24.orig.tar.xz"
mkdir -p "$cache/src"
echo "damaged" >"$cache/src/php8.4_8.4.24.orig.tar.xz"
out=$(EPHPM_CACHE_DIR="$cache" EPHPM_DEBIAN_MIRROR="file://$mirror" EPHPM_PHP_SOURCE_ROUTES="pool" "$fetch" 2>&1)
rc=$?
check "damaged cached copy: replaced" "$out" \
    [ "$rc" -eq 0 -a "$(sha256sum "$cache/src/php8.4_8.4.24.orig.tar.xz" | cut -c1-64)" = "$pinned_sha" ]
check "damaged cached copy: says so" "$out" contains "$out" "its sha256 is not the pinned"

# 6. A whole source package pinned by its .dsc (scripts/static/build-libs.sh):
# each file the .dsc lists must have the hash it lists.
pkg_mirror="$work/pkg-mirror"
pool="$pkg_mirror/pool/main/libf/libfake"
mkdir -p "$pool"
echo "upstream" | gzip >"$pool/libfake_1.0.orig.tar.gz"
echo "debian" | xz >"$pool/libfake_1.0-1.debian.tar.xz"
{
    printf 'Format: 3.0 (quilt)\nSource: libfake\nVersion: 1.0-1\nChecksums-Sha256:\n'
    for f in libfake_1.0.orig.tar.gz libfake_1.0-1.debian.tar.xz; do
        printf ' %s %s %s\n' "$(sha256sum "$pool/$f" | cut -c1-64)" "$(stat -c %s "$pool/$f")" "$f"
    done
} >"$pool/libfake_1.0-1.dsc"
dsc_sha=$(sha256sum "$pool/libfake_1.0-1.dsc" | cut -c1-64)
fetch_package() { # fetch_package CACHE DSC-SHA256
    EPHPM_CACHE_DIR="$1" EPHPM_DEBIAN_MIRROR="file://$pkg_mirror" bash -c \
        'source "$1/scripts/lib.sh"; source "$1/scripts/debian-archive.sh"; fetch_debian_source_package libfake 1.0-1 "$2"' \
        _ "$root" "$2" 2>&1
}
cache="$work/cache6"
out=$(fetch_package "$cache" "$dsc_sha")
check "source package: fetched" "$out" [ -f "$cache/src/libfake/libfake_1.0.orig.tar.gz" -a -f "$cache/src/libfake/libfake_1.0-1.debian.tar.xz" ]
check "source package: prints the .dsc" "$out" contains "$out" "$cache/src/libfake/libfake_1.0-1.dsc"
out=$(fetch_package "$work/cache6b" "0000000000000000000000000000000000000000000000000000000000000000")
check "source package with another .dsc hash: refused" "$out" contains "$out" "has sha256 $dsc_sha, expected 0000"
check "source package with another .dsc hash: nothing kept" "$out" [ -z "$(find "$work/cache6b/src" -type f 2>/dev/null)" ]
echo "tampered" | xz >"$pool/libfake_1.0-1.debian.tar.xz"
out=$(fetch_package "$work/cache6c" "$dsc_sha")
check "a file that does not match its .dsc: refused" "$out" contains "$out" "but libfake_1.0-1.dsc lists"
check "a file that does not match its .dsc: nothing kept" "$out" [ -z "$(find "$work/cache6c/src" -type f 2>/dev/null)" ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
