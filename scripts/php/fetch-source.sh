#!/usr/bin/env bash
# Puts the PHP source tarball that the build pins into the cache, verified
# against its pinned sha256, and prints its path. The source is the upstream
# tarball inside Debian's `php8.4` source package from trixie (Debian 12 ships
# only PHP 8.2).
#
# Debian's source index and its pool do not move together: a security update
# replaces the indexed version while the pinned files stay in the pool for a
# while, and the index can list a version whose files are not (yet) in the
# pool. So the pin is a version plus the sha256 from its .dsc, and the routes
# are tried in order until one gives a file with that hash:
#   1. pool:  <mirror>/pool/main/p/php8.4/<tarball> from each Debian mirror
#             that apt is configured with (EPHPM_DEBIAN_MIRROR overrides them)
#   2. index: `apt-get source` of the pinned version through trixie's source
#             index, read with a private apt configuration under the cache
#   3. newest: the newest php8.4 that the index lists, verified against the
#             hash in the index's (signed) .dsc, once its file has downloaded
# EPHPM_PHP_SOURCE (read by build.sh) skips all of this.
#
# Overrides: EPHPM_PHP_DEB_VERSION with EPHPM_PHP_SHA256 pin another version
# (without a hash, the index's .dsc gives it); EPHPM_PHP_SOURCE_ROUTES
# ("pool index newest" by default) chooses and orders the routes.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$EPHPM_ROOT/scripts/debian-archive.sh"

# The pins: Debian source package, version, upstream tarball, and that
# tarball's sha256 as the version's .dsc lists it (Checksums-Sha256).
pin_of() {
    case "$1" in
        php8.4) echo "8.4.24-1~deb13u1 php8.4_8.4.24.orig.tar.xz e127be09a8506f4327c5cfa78a614b00d210714484ec215ce0011b4a03c00731" ;;
        # PECL extensions of the laravel and full suites, and xdebug for -dev.
        php-igbinary) echo "3.2.16-4 php-igbinary_3.2.16.orig.tar.gz 8bf25d465abc7973d9e2c9a3039a5f8eea635b23bc1477017ff3999ff95836da" ;;
        php-redis) echo "6.2.0-1 php-redis_6.2.0.orig.tar.gz 5069c13dd22bd9e494bb246891052cb6cc0fc9a1b45c6a572a8be61773101363" ;;
        php-apcu) echo "5.1.24-1 php-apcu_5.1.24.orig.tar.gz 5c28a55b27082c69657e25b7ecf553e2cf6b74ec3fa77d6b76f4fb982e001e43" ;;
        xdebug) echo "3.4.5-3 xdebug_3.4.5.orig.tar.gz f58442306ce55fe3b811c31759a247242989164f2a7933f05c8d59b06665b9c9" ;;
        *) return 1 ;;
    esac
}

deb_package="php8.4"
case "${1:-}" in
    --package) deb_package="${2:?--package needs a Debian source package name}" ;;
    "") ;;
    *) die "unknown argument '$1'" "usage: scripts/php/fetch-source.sh [--package NAME]" ;;
esac
pin=$(pin_of "$deb_package") || die "no pin for the source package '$deb_package'" \
    "add one to pin_of() in scripts/php/fetch-source.sh"
read -r pinned_version pinned_file pinned_sha256 <<<"$pin"

deb_version="$pinned_version"
want_file="$pinned_file"
want_sha256="$pinned_sha256"
if [ "$deb_package" = php8.4 ] && [ -n "${EPHPM_PHP_DEB_VERSION:-}" ] &&
    [ "$EPHPM_PHP_DEB_VERSION" != "$pinned_version" ]; then
    deb_version="$EPHPM_PHP_DEB_VERSION"
    want_file="${deb_package}_${deb_version%%-*}.orig.tar.xz"
    want_sha256="${EPHPM_PHP_SHA256:-}" # without one, the index's .dsc gives it below
fi
routes="${EPHPM_PHP_SOURCE_ROUTES:-pool index newest}"
src_dir="$EPHPM_CACHE_DIR/src"

sha256_of() { sha256sum "$1" | cut -c1-64; }

# A tarball already in the cache is used only if it still has the pinned hash.
if [ -n "$want_sha256" ]; then
    cached="$src_dir/$want_file"
    if [ -s "$cached" ]; then
        if [ "$(sha256_of "$cached")" = "$want_sha256" ]; then
            log "$deb_package source ${deb_version%%-*} already downloaded and verified: $cached"
            echo "$cached"
            exit 0
        fi
        warn "removing $cached: its sha256 is not the pinned $want_sha256"
        rm -f "$cached"
    fi
fi

command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian machine" \
    "run it on Debian 12, or set EPHPM_PHP_SOURCE to a PHP source tarball or directory"
[ -x "$apt_helper" ] || die "$apt_helper is missing (it comes with apt)" \
    "reinstall apt, or set EPHPM_PHP_SOURCE to a PHP source tarball"

mkdir -p "$src_dir"
work=$(mktemp -d "$src_dir/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A downloaded tarball enters the cache only with the expected hash; on a
# mismatch it is deleted and the whole fetch stops (a wrong file at a right
# address is not a reason to try elsewhere: something is tampering or broken).
accept() { # accept FILE VERSION SHA256 ROUTE
    local got name dest
    name=$(basename "$1")
    got=$(sha256_of "$1")
    if [ "$got" != "$3" ]; then
        rm -f "$1"
        die "the downloaded $name (route: $4) has sha256 $got, expected $3" \
            "nothing was kept; check the mirror (or a proxy in between) and run again, or set EPHPM_PHP_SOURCE"
    fi
    dest="$src_dir/$name"
    mv "$1" "$dest.tmp" && mv "$dest.tmp" "$dest"
    log "$deb_package $2 source (sha256 $3) from route '$4': $dest"
    echo "$dest"
    exit 0
}

pool_path() { printf '%s/%s' "$(pool_dir "$deb_package")" "$1"; }

# Tries every mirror's pool for a tarball; returns only when no mirror had it
# (accept() exits the script).
from_pool() { # from_pool VERSION FILE SHA256 ROUTE-NAME
    local mirror
    while read -r mirror; do
        [ -n "$mirror" ] || continue
        log "trying $mirror/$(pool_path "$2")"
        if download "$mirror/$(pool_path "$2")" "$work/$2"; then
            accept "$work/$2" "$1" "$3" "$4"
        fi
    done < <(debian_mirrors)
    return 1
}

# The source index is apt's, run on a private configuration under the cache:
# one deb-src line for trixie (Debian 12 has no PHP 8.4) and its own lists,
# so the machine's apt sources and package lists are never touched.
# EPHPM_PHP_INDEX_SOURCE replaces that line (a local repository, in tests).
apt_dir="$EPHPM_CACHE_DIR/apt"
index_apt() {
    "$@" -o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts="$apt_dir/parts" \
        -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" \
        -o APT::Sandbox::User=root
}
ensure_source_index() {
    [ -n "${index_updated:-}" ] && return 0
    local line="${EPHPM_PHP_INDEX_SOURCE:-}"
    if [ -z "$line" ]; then
        local uri
        uri=$(debian_mirrors | grep -E '^https?:' | head -n1 || true)
        [ -n "$uri" ] || die "apt has no Debian mirror configured to take PHP's source from" \
            "add one to /etc/apt/sources.list.d/, or set EPHPM_PHP_SOURCE to a PHP source tarball"
        line="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main"
    fi
    mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    printf '%s\n' "$line" >"$apt_dir/sources.list"
    log "reading the source index: $line"
    index_apt apt-get update -qq >&2 || die "apt-get update failed for the source index ($line)" \
        "check the network and that the mirror is reachable, then run again"
    index_updated=1
}

# "sha256 file" of VERSION's upstream tarball as the index's .dsc lists it.
index_entry() {
    index_apt apt-cache showsrc "$deb_package" 2>/dev/null | awk -v v="$1" '
        /^Package:/ { in_v = 0 } /^Version:/ { in_v = ($2 == v) }
        /^Checksums-Sha256:/ { in_sums = 1; next } /^[^ ]/ { in_sums = 0 }
        in_v && in_sums && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $1, $3; exit }'
}

from_index() { # from_index VERSION ROUTE-NAME
    ensure_source_index
    local sha file
    read -r sha file < <(index_entry "$1") || true
    if [ -z "${sha:-}" ]; then
        log "the source index does not list $deb_package $1"
        return 1
    fi
    if [ -n "$want_sha256" ] && [ "$1" = "$deb_version" ] && [ "$sha" != "$want_sha256" ]; then
        die "the index lists $deb_package $1 with sha256 $sha, but the pin is $want_sha256" \
            "check the pin in scripts/php/fetch-source.sh (or EPHPM_PHP_SHA256)"
    fi
    log "apt-get source $deb_package=$1"
    mkdir -p "$work/index"
    if (cd "$work/index" && index_apt apt-get source --download-only -qq "$deb_package=$1" >&2); then
        accept "$work/index/$file" "$1" "$sha" "$2"
    fi
    log "apt-get source $deb_package=$1 failed"
    return 1
}

tried=()
for route in $routes; do
    case "$route" in
        pool)
            if [ -n "$want_sha256" ]; then
                from_pool "$deb_version" "$want_file" "$want_sha256" pool || tried+=("pool")
            else
                tried+=("pool (no hash for $deb_version without the index)")
            fi
            ;;
        index)
            from_index "$deb_version" index || tried+=("index")
            ;;
        newest)
            ensure_source_index
            newest=$(index_apt apt-cache showsrc "$deb_package" 2>/dev/null | awk '/^Version:/{print $2}' |
                sort -V | tail -n1)
            if [ -z "$newest" ]; then
                tried+=("newest (the index lists no $deb_package)")
                continue
            fi
            read -r sha file < <(index_entry "$newest") || true
            warn "pinned $deb_package $deb_version could not be downloaded; trying the index's newest, $newest" \
                "(pin it with EPHPM_PHP_DEB_VERSION=$newest EPHPM_PHP_SHA256=$sha)"
            # Nothing is committed to until the file is here and matches the
            # index's hash: the index can list files the pool does not have.
            if [ -n "${sha:-}" ]; then
                from_pool "$newest" "$file" "$sha" "newest ($newest) from the pool" || true
            fi
            from_index "$newest" "newest ($newest) through the index" || true
            tried+=("newest ($newest)")
            ;;
        *) die "unknown route '$route' in EPHPM_PHP_SOURCE_ROUTES" "use any of: pool index newest" ;;
    esac
done

die "no route gave the source of $deb_package $deb_version (tried: ${tried[*]})" \
    "check that Debian's archive is reachable, or set EPHPM_PHP_SOURCE to a PHP 8.4 source tarball"
