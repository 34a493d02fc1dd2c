#!/usr/bin/env bash
# Builds libphp: PHP 8.4, ZTS, embed SAPI as a static library, one extension
# suite compiled in (scripts/php/suites.sh), and OPcache inside the library.
#
#   scripts/php/build.sh [--suite core|wordpress|laravel|full[-dev]]
#
# The suite defaults to $EPHPM_PHP_SUITE, else "wordpress". The result is
# installed into a prefix <cache>/php/<suite>/<version>-<hash>, the hash
# covering everything that shapes the build (source, flags, patches, PECL
# sources), and <cache>/php/<suite>/current points at it. A prefix counts as
# done only when it holds the .ephpm-complete marker, which is written last;
# the build happens in a staging directory and is moved into place whole, so
# a failed or interrupted build never leaves a prefix that looks valid. After
# a build, older prefixes of the suite are pruned: the current one and the one
# before it stay.
#
# EPHPM_PHP_SOURCE=/path/to/php-X.Y.Z.tar.xz (or an unpacked directory)
# builds that source instead of Debian's pinned source package.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$EPHPM_ROOT/scripts/php/suites.sh"

suite="${EPHPM_PHP_SUITE:-wordpress}"
while [ $# -gt 0 ]; do
    case "$1" in
        --suite) [ $# -ge 2 ] || die "--suite needs a value" "use one of: ${php_suites[*]} (or NAME-dev)"
            suite="$2"; shift 2 ;;
        --suite=*) suite="${1#--suite=}"; shift ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) die "unknown argument '$1'" "usage: scripts/php/build.sh [--suite ${php_suites[*]// /|}]" ;;
    esac
done
is_php_suite "$suite" || die "unknown extension suite '$suite'" \
    "use one of: ${php_suites[*]}, or any of them with -dev (adds xdebug)"

# --disable-zend-signals: with Zend signals PHP installs its own SIGINT and
# SIGTERM handlers, which kill the process on threads that are not running a
# request; the server owns process signals (as FrankenPHP requires too).
mapfile -t suite_flags < <(suite_configure_flags "$suite")
configure_flags=(
    --enable-zts --enable-embed=static --disable-cli --disable-cgi --disable-phpdbg
    --disable-zend-signals --without-pear --disable-all "${suite_flags[@]}"
)
# -fPIC: the objects end up in a position-independent executable (Debian's
# GCC links PIE by default).
build_cflags="-O2 -g -fPIC"

# --- the source -------------------------------------------------------------
if [ -n "${EPHPM_PHP_SOURCE:-}" ]; then
    source_path="$EPHPM_PHP_SOURCE"
    if [ -f "$source_path" ]; then
        tar -tf "$source_path" >/dev/null 2>&1 ||
            die "EPHPM_PHP_SOURCE=$source_path is not a readable tar archive" \
                "point it at a php-X.Y.Z.tar.xz (or .tar.gz/.tar.bz2) or an unpacked source directory"
        source_id=$(sha256sum "$source_path" | cut -c1-64)
    elif [ -d "$source_path" ]; then
        [ -f "$source_path/main/php_version.h" ] ||
            die "EPHPM_PHP_SOURCE=$source_path is not a PHP source directory (no main/php_version.h)" \
                "point it at the top of an unpacked php-X.Y.Z source tree"
        source_id=$(cd "$source_path" && find . -type f -printf '%P %s %T@\n' | sort | sha256sum | cut -c1-64)
    else
        die "EPHPM_PHP_SOURCE=$source_path does not exist" \
            "point it at a PHP source tarball or directory, or unset it to use Debian's source package"
    fi
else
    source_path=$("$EPHPM_ROOT/scripts/php/fetch-source.sh")
    source_id=$(sha256sum "$source_path" | cut -c1-64)
fi

# PECL extensions of the suite: Debian source packages, pinned like PHP's.
pecl_exts=()
pecl_tarballs=()
while read -r ext package; do
    [ -n "$ext" ] || continue
    pecl_exts+=("$ext")
    pecl_tarballs+=("$("$EPHPM_ROOT/scripts/php/fetch-source.sh" --package "$package")")
done < <(suite_pecl_sources "$suite")

# --- the cache key ----------------------------------------------------------
# Everything that shapes the installed result, and nothing else (editing this
# script's messages must not cost a rebuild).
key_input=$(printf '%s\n' "$source_id" "$build_cflags" "${configure_flags[@]}" \
    "$(cat "$EPHPM_ROOT/scripts/php/patch-source.sh" "$EPHPM_ROOT"/scripts/php/*.patch)")
for tarball in "${pecl_tarballs[@]}"; do
    key_input+=$'\n'"$(sha256sum "$tarball" | cut -c1-64)"
done
key=$(printf '%s' "$key_input" | sha256sum | cut -c1-12)

# Two checkouts building at once must not share a build tree.
mkdir -p "$EPHPM_CACHE_DIR"
exec 9>"$EPHPM_CACHE_DIR/.php-build.lock"
flock 9

build_root="$EPHPM_CACHE_DIR/build/php-$key"
rm -rf "$build_root"
mkdir -p "$build_root"
trap 'rm -rf "$build_root"' EXIT

log "unpacking PHP source"
if [ -f "$source_path" ]; then
    tar -xf "$source_path" -C "$build_root"
else
    cp -a "$source_path" "$build_root/"
fi
src=""
for dir in "$build_root"/*/; do
    [ -f "$dir/main/php_version.h" ] && src="${dir%/}"
done
[ -n "$src" ] ||
    die "the PHP source has no main/php_version.h" "check EPHPM_PHP_SOURCE"
version=$(sed -nE 's/^#define PHP_VERSION "([^"]+)".*/\1/p' "$src/main/php_version.h")
case "$version" in
    8.4.*) ;;
    *) die "the PHP source is version ${version:-unknown}; this build needs PHP 8.4" \
        "point EPHPM_PHP_SOURCE at a PHP 8.4 source" ;;
esac

suite_dir="$EPHPM_CACHE_DIR/php/$suite"
prefix="$suite_dir/$version-$key"

if [ -f "$prefix/.ephpm-complete" ]; then
    ln -sfn "$prefix" "$(php_prefix_file "$suite")"
    log "PHP $version ($suite suite) is already built (cached at $prefix); nothing to do"
    "$EPHPM_ROOT/scripts/php/prune-cache.sh" "$prefix"
    echo "$prefix"
    exit 0
fi

# The -dev packages a suite adds beyond what scripts/install-deps.sh installs.
mapfile -t suite_packages < <(suite_debian_packages "$suite")
missing_packages=()
for package in "${suite_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
        missing_packages+=("$package")
done
if [ ${#missing_packages[@]} -gt 0 ]; then
    require_root "installing the $suite suite's libraries (${missing_packages[*]})"
    log "installing the $suite suite's libraries: ${missing_packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing_packages[@]}" >&2 ||
        die "apt-get install failed for: ${missing_packages[*]}" \
            "run apt-get update, then this script again"
fi

for tool in make cc bison re2c autoconf pkg-config patch; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing, needed to build PHP" "run scripts/install-deps.sh first"
done

buildlog="$EPHPM_CACHE_DIR/php-build-$version-$key.log"
: >"$buildlog"
fail() {
    die_with_log "$buildlog" "PHP build failed during: $1" \
        "read the log above; a missing library usually means scripts/install-deps.sh was not run"
}

"$EPHPM_ROOT/scripts/php/patch-source.sh" "$src"

# PECL sources go into ext/<name>, where buildconf finds their config.m4.
for i in "${!pecl_exts[@]}"; do
    ext="${pecl_exts[$i]}"
    unpack="$build_root/pecl-$ext"
    mkdir -p "$unpack"
    tar -xf "${pecl_tarballs[$i]}" -C "$unpack"
    m4=$(find "$unpack" -maxdepth 3 -name config.m4 -printf '%h\n' | head -n1)
    [ -n "$m4" ] || die "the $ext source (${pecl_tarballs[$i]}) has no config.m4" \
        "check its pin in scripts/php/fetch-source.sh"
    rm -rf "$src/ext/$ext"
    mv "$m4" "$src/ext/$ext"
    log "added PECL extension $ext to ext/"
done

cd "$src"
log "regenerating configure (buildconf)"
./buildconf --force >>"$buildlog" 2>&1 || fail "buildconf"

log "configuring PHP $version, $suite suite (about 30 s)"
CFLAGS="$build_cflags" CXXFLAGS="$build_cflags" \
    ./configure --prefix="$prefix" "${configure_flags[@]}" >>"$buildlog" 2>&1 || fail "configure"

jobs=$(nproc)
total=$(grep -cE '^[^[:space:]]+\.lo:' Makefile || true)
log "compiling PHP with $jobs jobs ($total objects, about 10 min on 2 cores)"
start=$(date +%s)
(
    while sleep 30; do
        done_count=$(find . -name '*.lo' | wc -l)
        log "compiling PHP: $done_count/$total objects, $(($(date +%s) - start)) s"
    done
) &
ticker=$!
make -j"$jobs" >>"$buildlog" 2>&1 || {
    kill "$ticker" 2>/dev/null
    fail "make"
}
kill "$ticker" 2>/dev/null || true
log "compiled in $(($(date +%s) - start)) s"

staging="$build_root/staging"
make install INSTALL_ROOT="$staging" >>"$buildlog" 2>&1 || fail "make install"
lib="$staging$prefix/lib/libphp.a"
[ -f "$lib" ] || fail "install (no lib/libphp.a)"
# grep -c reads all of nm's output: grep -q would stop early and the
# SIGPIPE'd nm would fail the pipeline under pipefail.
[ "$(nm "$lib" 2>/dev/null | grep -c ' D zend_extension_entry$')" -gt 0 ] ||
    fail "checking the result (OPcache's zend_extension_entry is not in libphp.a)"
grep -q -- '--enable-zts' "$staging$prefix/bin/php-config" || fail "checking the result (not ZTS)"

rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
mv "$staging$prefix" "$prefix"
printf 'version=%s\nkey=%s\nsuite=%s\n' "$version" "$key" "$suite" >"$prefix/.ephpm-complete"
ln -sfn "$prefix" "$(php_prefix_file "$suite")"
log "PHP $version ($suite suite) installed into $prefix"
"$EPHPM_ROOT/scripts/php/prune-cache.sh" "$prefix"
echo "$prefix"
