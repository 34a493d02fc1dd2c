#!/usr/bin/env bash
# Builds, as static archives, the libraries that the fully static ephpm needs
# and Debian 12 ships only as shared objects: oniguruma (mbstring), libzip
# (zip), libxslt/libexslt (xsl) and curl (curl; Debian's libcurl.a is built
# with Kerberos, LDAP, RTMP, SSH and PSL, whose archives Debian does not ship).
# Each comes from its Debian source package, pinned by the sha256 of its .dsc,
# with Debian's patches (its security fixes) applied by dpkg-source, and is
# configured with only what PHP uses. The result is a prefix under
# <cache>/static/<key> (lib/*.a, include/, lib/pkgconfig/), with
# <cache>/static/current pointing at it; like libphp, it counts as finished
# only with its .ephpm-complete marker, written last. Prints the prefix.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
source "$EPHPM_ROOT/scripts/debian-archive.sh"

# package version sha256-of-the-.dsc
pins=(
    "libonig 6.9.8-1 5f834eab1fb4cce8ba8869c64b52358615daa726235eb106e1cd0c4051fafe4c"
    "libzip 1.7.3-1 2b905c3e6277bb4ae62c4464c5c7bbbd6661715d5b3c0f94523c34df6d1f4d1e"
    "libxslt 1.1.35-1+deb12u3 f60527764dbce95161371132dcd6acc910661aa56b1f5cb4870b86c372f12391"
    "curl 7.88.1-10+deb12u14 4bd0515c0024e4fc9ce493b800172125695a6ca951471b7eea5554fc7973e92f"
)

# How each is configured: only the features PHP's extensions use. The CA
# bundle paths are Debian's, so curl in PHP finds the system's certificates
# where they are (a container that wants TLS to other hosts mounts them).
configure_onig=(--disable-shared --enable-static --with-pic)
cmake_zip=(-DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_OPENSSL=ON
    -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_COMMONCRYPTO=OFF -DENABLE_WINDOWS_CRYPTO=OFF
    -DENABLE_BZIP2=ON -DENABLE_LZMA=ON -DENABLE_ZSTD=OFF -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF
    -DBUILD_EXAMPLES=OFF -DBUILD_DOC=OFF -DCMAKE_BUILD_TYPE=Release)
configure_xslt=(--disable-shared --enable-static --with-pic --without-python --without-crypto
    --without-debugger --without-plugins)
configure_curl=(--disable-shared --enable-static --with-pic --with-openssl --with-nghttp2 --with-zlib
    --with-brotli --without-zstd --without-libpsl --without-libidn2 --without-gssapi --disable-ldap
    --disable-ldaps --without-librtmp --without-libssh2 --without-libssh --disable-manual
    --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs)

for tool in make cc cmake autoreconf libtoolize dpkg-source pkg-config; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing, needed to build the static libraries" "run scripts/install-deps.sh first"
done

key=$(printf '%s\n' "${pins[@]}" "${configure_onig[@]}" "${cmake_zip[@]}" "${configure_xslt[@]}" \
    "${configure_curl[@]}" | sha256sum | cut -c1-12)
prefix="$EPHPM_CACHE_DIR/static/$key"
if [ -f "$prefix/.ephpm-complete" ]; then
    ln -sfn "$prefix" "$EPHPM_CACHE_DIR/static/current"
    log "static libraries already built (cached at $prefix); nothing to do"
    echo "$prefix"
    exit 0
fi

mkdir -p "$EPHPM_CACHE_DIR"
exec 9>"$EPHPM_CACHE_DIR/.static-build.lock"
flock 9
build_root="$EPHPM_CACHE_DIR/build/static-$key"
rm -rf "$build_root"
mkdir -p "$build_root"
trap 'rm -rf "$build_root"' EXIT
staging="$build_root/staging"
buildlog="$EPHPM_CACHE_DIR/static-build-$key.log"
: >"$buildlog"
fail() {
    die_with_log "$buildlog" "building the static $1 failed" \
        "read the log above; a missing tool or -dev package usually means scripts/install-deps.sh was not run"
}

# Downloads a pinned source package into the cache and unpacks it, patched,
# into the build tree; prints the unpacked directory.
unpack() { # unpack PACKAGE VERSION DSC-SHA256
    local dsc
    dsc=$(fetch_debian_source_package "$1" "$2" "$3")
    log "unpacking $1 $2 with Debian's patches"
    (cd "$build_root" && dpkg-source --no-copy -x "$dsc" "$1-src") >>"$buildlog" 2>&1 ||
        fail "$1 (dpkg-source)"
    echo "$build_root/$1-src"
}

autotools_build() { # autotools_build NAME DIR configure-args...
    local name="$1" dir="$2"
    shift 2
    log "building the static $name"
    (
        cd "$dir"
        # Debian's patches touch configure.ac and Makefile.am; regenerate as
        # Debian's own build does, or make would try to with a stale setup.
        autoreconf -fi
        CFLAGS="-O2 -g -fPIC" ./configure --prefix="$prefix" "$@"
        make -j"$(nproc)"
        make install DESTDIR="$staging"
    ) >>"$buildlog" 2>&1 || fail "$name"
}

read -r p v s <<<"${pins[0]}"
dir=$(unpack "$p" "$v" "$s")
autotools_build oniguruma "$dir" "${configure_onig[@]}"

read -r p v s <<<"${pins[1]}"
dir=$(unpack "$p" "$v" "$s")
log "building the static libzip"
(
    cmake -S "$dir" -B "$dir/build" -DCMAKE_INSTALL_PREFIX="$prefix" "${cmake_zip[@]}"
    cmake --build "$dir/build" -j"$(nproc)"
    DESTDIR="$staging" cmake --install "$dir/build"
) >>"$buildlog" 2>&1 || fail libzip

read -r p v s <<<"${pins[2]}"
dir=$(unpack "$p" "$v" "$s")
autotools_build libxslt "$dir" "${configure_xslt[@]}"

read -r p v s <<<"${pins[3]}"
dir=$(unpack "$p" "$v" "$s")
# The last two patches of Debian's series turn the source into the GnuTLS and
# NSS flavours (libcurl-gnutls, libcurl-nss); Debian's rules pop them for
# the OpenSSL build, and so does this.
for flavour in 99_nss 90_gnutls; do
    patch -d "$dir" -R -p1 <"$dir/debian/patches/$flavour.patch" >>"$buildlog" 2>&1 ||
        fail "curl (taking out Debian's $flavour.patch)"
done
autotools_build curl "$dir" "${configure_curl[@]}"

for archive in libonig.a libzip.a libxslt.a libexslt.a libcurl.a; do
    [ -f "$staging$prefix/lib/$archive" ] || fail "install (no lib/$archive)"
done
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
mv "$staging$prefix" "$prefix"
printf '%s\n' "${pins[@]}" >"$prefix/.ephpm-complete"
ln -sfn "$prefix" "$EPHPM_CACHE_DIR/static/current"
log "static libraries installed into $prefix"
echo "$prefix"
