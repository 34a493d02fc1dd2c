#!/usr/bin/env bash
# Puts the PHP source tarball that the build pins into the cache and prints its
# path. The source is Debian's `php8.4` source package from trixie (Debian 12
# ships only PHP 8.2); the upstream tarball inside it is what gets built.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

deb_package="${EPHPM_PHP_DEB_PACKAGE:-php8.4}"
deb_version="${EPHPM_PHP_DEB_VERSION:-8.4.24-1~deb13u1}"
upstream_version="${deb_version%%-*}"
src_dir="$EPHPM_CACHE_DIR/src"
tarball="$src_dir/${deb_package}_${upstream_version}.orig.tar.xz"

if [ -s "$tarball" ] && xz -t "$tarball" 2>/dev/null; then
    log "PHP source $upstream_version already downloaded: $tarball"
    echo "$tarball"
    exit 0
fi

require_root "fetching PHP's source package"
command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian machine" \
    "run it on Debian 12, or set EPHPM_PHP_SOURCE to a PHP source tarball or directory"
command -v dpkg-source >/dev/null || die "dpkg-dev is missing" "run scripts/install-deps.sh first"

# A deb-src entry of our own for trixie, beside (never instead of) the
# machine's entries; source entries alone never change installed packages.
list=/etc/apt/sources.list.d/ephpm-php-source.sources
if [ ! -f "$list" ]; then
    uri=$(grep -hoE '^URIs:[[:space:]]*\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '{print $2}' | grep -v security | head -n1 || true)
    [ -n "$uri" ] || uri=$(grep -hoE '^deb[[:space:]]+\S+' /etc/apt/sources.list 2>/dev/null |
        awk '{print $2}' | grep -v security | head -n1 || true)
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    log "adding $list (deb-src trixie main from $uri)"
    cat >"$list" <<EOF
# Added by ePHPm's scripts/php/fetch-source.sh: PHP 8.4 source package only.
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

# grep -c, not -q: an early exit would SIGPIPE apt-cache and fail under pipefail.
have_version() { [ "$(apt-cache showsrc "$deb_package" 2>/dev/null | grep -cx "Version: $1")" -gt 0 ]; }
if ! have_version "$deb_version"; then
    log "updating apt's package lists"
    apt-get update -qq || die "apt-get update failed: Debian's package archive is unreachable" \
        "check the network and the entries in /etc/apt/sources.list.d/, then run again"
fi
if ! have_version "$deb_version"; then
    newest=$(apt-cache showsrc "$deb_package" 2>/dev/null | awk '/^Version:/{print $2}' |
        sort -V | tail -n1)
    [ -n "$newest" ] || die "Debian's archive has no source package $deb_package" \
        "check $list, or set EPHPM_PHP_SOURCE to a PHP 8.4 source tarball"
    # The archive keeps only current versions: a security update replaces the
    # pinned one. Build the newest 8.4 and say so loudly rather than fail.
    warn "pinned $deb_package $deb_version is gone from the archive; using $newest instead" \
        "(set EPHPM_PHP_DEB_VERSION=$newest to pin it)"
    deb_version="$newest"
    upstream_version="${deb_version%%-*}"
    tarball="$src_dir/${deb_package}_${upstream_version}.orig.tar.xz"
fi

mkdir -p "$src_dir"
work=$(mktemp -d "$src_dir/.download.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "downloading Debian source package $deb_package=$deb_version"
(cd "$work" && apt-get source --download-only -qq "$deb_package=$deb_version" >&2) ||
    die "apt-get source $deb_package=$deb_version failed" \
        "check that the archive is reachable, or set EPHPM_PHP_SOURCE to a PHP source tarball"
orig="$work/${deb_package}_${upstream_version}.orig.tar.xz"
xz -t "$orig" 2>/dev/null || die "the source package has no valid upstream tarball $(basename "$orig")" \
    "set EPHPM_PHP_SOURCE to a PHP source tarball instead"
# apt checked the tarball against the signed .dsc; move it in atomically.
mv "$orig" "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
log "PHP source saved to $tarball"
echo "$tarball"
