#!/usr/bin/env bash
# Installs every build and test dependency of ePHPm from Debian's archive.
# Idempotent: when everything is present it changes nothing and says so.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# The compiler, the build system, and what `apt-get source` needs; automake
# and libtool regenerate the build files of the sources that
# scripts/static/build-libs.sh patches.
toolchain=(build-essential cmake ninja-build pkg-config git ca-certificates xz-utils dpkg-dev patch
    automake libtool
    clang-format clang-tidy)
# PHP's own build: generators plus the -dev libraries behind the default
# "wordpress" extension suite (openssl, curl, zlib, mbstring/oniguruma,
# sqlite, zip, sodium, gd with png/jpeg/webp/freetype, libxml for
# dom/xml/simplexml/soap, ICU for intl, libxslt for xsl, bzip2). Other suites
# install what they add themselves (scripts/php/suites.sh).
php_build=(bison re2c autoconf libxml2-dev libssl-dev libcurl4-openssl-dev zlib1g-dev libonig-dev
    libsqlite3-dev libzip-dev libsodium-dev libpng-dev libjpeg-dev libwebp-dev libfreetype-dev
    libicu-dev libxslt1-dev libbz2-dev)
# The C++ server's libraries (Boost 1.81 for Asio/Beast, nghttp2 for HTTP/2).
server=(libboost1.81-dev libnghttp2-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
    nlohmann-json3-dev)
# Tests and benchmarks, and the real HTTP clients the end-to-end tests drive
# (python3 runs the WordPress test's browser; that test installs WordPress
# and MariaDB itself); systemd for systemd-analyze, which checks the unit
# `ephpm service install` writes (installing it starts nothing).
testing=(libgtest-dev libgmock-dev libbenchmark-dev curl nghttp2-client python3 systemd)

packages=("${toolchain[@]}" "${php_build[@]}" "${server[@]}" "${testing[@]}")

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#packages[@]} build and test dependencies are already installed; nothing to do"
    exit 0
fi

require_root "scripts/install-deps.sh"
log "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq ||
    die "apt-get update failed: Debian's package archive is unreachable" \
        "check the network and /etc/apt/sources.list*, then run this script again"
apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}" \
        "read apt's message above; fix the archive or the package name, then run this script again"
log "dependencies installed"
