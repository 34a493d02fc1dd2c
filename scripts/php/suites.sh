# The extension suites that scripts/php/build.sh can compile into libphp.
# Source it; do not run it. Each suite adds to the one before it:
#   core       what any PHP app needs, and nothing with a big library behind it
#   wordpress  the default: roughly php8.2-common plus the php8.2-* modules a
#              Debian user installs for WordPress, Drupal, MediaWiki, Nextcloud
#   laravel    + pgsql, pcntl, and the PECL extensions Laravel's docs name
#              (redis, igbinary, apcu), taken from Debian's source packages
#   full       + every further extension whose library Debian 12 ships
# A "-dev" variant of any suite (wordpress-dev, ...) adds xdebug.
# shellcheck shell=bash

php_suites=(core wordpress laravel full)

# suite_configure_flags SUITE: PHP's configure flags for the suite's extensions.
suite_configure_flags() {
    local base="${1%-dev}"
    local core=(--enable-opcache --enable-ctype --enable-filter --enable-tokenizer --enable-session
        --enable-posix --with-openssl --with-zlib)
    # calendar, ftp, gettext, shmop, sysv*: php8.2-common has them and apps
    # call them without checking. intl (ICU): Symfony, Laravel, MediaWiki,
    # Nextcloud, Matomo. soap, xsl, bz2: the php8.2-soap/-xml/-bz2 modules.
    local wordpress=(--enable-bcmath --with-curl --enable-dom --enable-exif --enable-fileinfo
        --with-iconv --enable-mbstring --with-mysqli --enable-mysqlnd --enable-pdo --with-pdo-mysql
        --with-pdo-sqlite --with-sqlite3 --enable-simplexml --with-sodium --enable-xml
        --enable-xmlreader --enable-xmlwriter --with-libxml --with-zip --enable-gd --with-jpeg
        --with-webp --with-freetype --enable-phar --enable-sockets
        --enable-calendar --enable-ftp --with-gettext --enable-shmop --enable-sysvsem
        --enable-sysvshm --enable-sysvmsg --enable-intl --enable-soap --with-xsl --with-bz2)
    local laravel=(--with-pgsql --with-pdo-pgsql --enable-pcntl --enable-redis --enable-igbinary
        --enable-redis-igbinary --enable-apcu)
    local full=(--with-gmp --with-tidy --with-ldap --enable-dba --with-unixODBC --with-pdo-odbc=unixODBC,/usr
        --with-pdo-dblib --with-snmp --with-enchant --with-readline --with-avif)
    case "$base" in
        core) printf '%s\n' "${core[@]}" ;;
        wordpress) printf '%s\n' "${core[@]}" "${wordpress[@]}" ;;
        laravel) printf '%s\n' "${core[@]}" "${wordpress[@]}" "${laravel[@]}" ;;
        full) printf '%s\n' "${core[@]}" "${wordpress[@]}" "${laravel[@]}" "${full[@]}" ;;
        *) return 1 ;;
    esac
    case "$1" in *-dev) printf '%s\n' --enable-xdebug ;; esac
}

# suite_extensions SUITE: the PHP extension names (as extension_loaded()
# knows them) that the suite adds to PHP's always-on ones; the smoke tests
# make one call through each.
suite_extensions() {
    local core=(ctype filter tokenizer session posix openssl zlib)
    local wordpress=(bcmath curl dom exif fileinfo iconv mbstring mysqli mysqlnd pdo_mysql pdo_sqlite
        sqlite3 SimpleXML sodium xml xmlreader xmlwriter zip gd Phar sockets calendar ftp gettext shmop
        sysvsem sysvshm sysvmsg intl soap xsl bz2)
    local laravel=(pgsql pdo_pgsql pcntl redis igbinary apcu)
    local full=(gmp tidy ldap dba odbc pdo_odbc pdo_dblib snmp enchant readline)
    case "${1%-dev}" in
        core) printf '%s\n' "${core[@]}" ;;
        wordpress) printf '%s\n' "${core[@]}" "${wordpress[@]}" ;;
        laravel) printf '%s\n' "${core[@]}" "${wordpress[@]}" "${laravel[@]}" ;;
        full) printf '%s\n' "${core[@]}" "${wordpress[@]}" "${laravel[@]}" "${full[@]}" ;;
        *) return 1 ;;
    esac
    case "$1" in *-dev) printf '%s\n' xdebug ;; esac
}

# suite_debian_packages SUITE: the -dev packages its extensions build against
# (beyond what scripts/install-deps.sh installs for the default suite).
suite_debian_packages() {
    case "${1%-dev}" in
        core | wordpress) ;;
        laravel) printf '%s\n' libpq-dev ;;
        full) printf '%s\n' libpq-dev libgmp-dev libtidy-dev libldap2-dev unixodbc-dev freetds-dev \
            libsnmp-dev libenchant-2-dev libreadline-dev libavif-dev ;;
    esac
}

# suite_pecl_sources SUITE: "extension-dir debian-source-package" pairs of the
# PECL extensions that are unpacked into ext/ and built in statically.
suite_pecl_sources() {
    case "${1%-dev}" in
        laravel | full) printf '%s\n' "igbinary php-igbinary" "redis php-redis" "apcu php-apcu" ;;
    esac
    case "$1" in *-dev) printf '%s\n' "xdebug xdebug" ;; esac
}

# is_php_suite NAME: whether NAME is a suite or a suite's -dev variant.
is_php_suite() {
    local s
    for s in "${php_suites[@]}"; do
        [ "$1" = "$s" ] || [ "$1" = "$s-dev" ] && return 0
    done
    return 1
}
