# EPHPM_FULLY_STATIC: an ephpm with no program interpreter and no NEEDED
# entries (static glibc; a classic static executable, as glibc 2.36's
# static-pie start-up asserted on it), for an empty container or any Linux.
# Debian 12's own static archives cover most of what libphp needs; the rest
# (oniguruma, libzip, libxslt, curl) comes from scripts/static/build-libs.sh,
# whose prefix goes first on the library path. glibc's static getaddrinfo()
# and gethostbyname() read /etc/hosts and /etc/resolv.conf themselves (the
# files and dns sources are built into Debian 12's glibc 2.36), so name resolution
# needs no NSS modules; what needs dlopen (other NSS sources, PHP's dl())
# does not work, and the linker's warnings about it are expected.
#
# Included by EphpmPhp.cmake after php::embed is defined.

set(EPHPM_STATIC_LIBS_PREFIX "${EPHPM_CACHE_ROOT}/static/current" CACHE PATH
    "Prefix of the static libraries built by scripts/static/build-libs.sh")
if(NOT EXISTS "${EPHPM_STATIC_LIBS_PREFIX}/.ephpm-complete")
    message(FATAL_ERROR "No finished static libraries at ${EPHPM_STATIC_LIBS_PREFIX}: "
                        "build them with scripts/static/build-libs.sh")
endif()
get_filename_component(_static_prefix "${EPHPM_STATIC_LIBS_PREFIX}" REALPATH)

# Everything the libraries libphp names need in turn, as pkg-config's
# --static view has it, our prefix first.
set(_pc_modules libcurl libzip libexslt libxslt oniguruma libxml-2.0 freetype2 libpng libwebp libjpeg
                icu-io icu-i18n icu-uc sqlite3 libsodium openssl zlib)
find_program(_pkg_config pkg-config REQUIRED)
execute_process(
    COMMAND ${CMAKE_COMMAND} -E env
            "PKG_CONFIG_PATH=${_static_prefix}/lib/pkgconfig:${_static_prefix}/lib/x86_64-linux-gnu/pkgconfig"
            ${_pkg_config} --static --libs ${_pc_modules}
    OUTPUT_VARIABLE _static_libs
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _rc
    ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "pkg-config --static --libs failed: ${_err}")
endif()
separate_arguments(_static_libs UNIX_COMMAND "${_static_libs}")
list(REMOVE_ITEM _static_libs "-lstdc++")
list(APPEND _static_libs -lbz2) # bzip2 has no .pc file
set_property(TARGET php::embed APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${_static_libs})
set_property(TARGET php::embed APPEND PROPERTY INTERFACE_LINK_DIRECTORIES "${_static_prefix}/lib")
message(STATUS "fully static: libraries from ${_static_prefix} and Debian's archives")
