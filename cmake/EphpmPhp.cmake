# Turns the PHP prefix built by scripts/php/build.sh into the imported target
# `php::embed` (the static libphp.a with its include directories and the
# system libraries it needs), using that prefix's php-config.
#
# The prefix comes from, in order: -DEPHPM_PHP_PREFIX=..., the environment
# variable EPHPM_PHP_PREFIX, or <cache>/php/<suite>/current, where <cache> is
# $EPHPM_CACHE_DIR or ~/.cache/ephpm (where the build script installs) and
# <suite> is -DEPHPM_PHP_SUITE=... (default: $EPHPM_PHP_SUITE, else wordpress).
#
# Only the C bridge target may link php::embed: its include directories are
# the only way to reach Zend headers.

if(DEFINED ENV{EPHPM_PHP_SUITE})
    set(_ephpm_default_suite "$ENV{EPHPM_PHP_SUITE}")
else()
    set(_ephpm_default_suite "wordpress")
endif()
set(EPHPM_PHP_SUITE "${_ephpm_default_suite}" CACHE STRING
    "Extension suite of libphp (core, wordpress, laravel, full; -dev adds xdebug)")

# Where the build scripts cache what they build (scripts/lib.sh).
if(DEFINED ENV{EPHPM_CACHE_DIR})
    set(EPHPM_CACHE_ROOT "$ENV{EPHPM_CACHE_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(EPHPM_CACHE_ROOT "$ENV{XDG_CACHE_HOME}/ephpm")
else()
    set(EPHPM_CACHE_ROOT "$ENV{HOME}/.cache/ephpm")
endif()
if(DEFINED ENV{EPHPM_PHP_PREFIX})
    set(_ephpm_default_prefix "$ENV{EPHPM_PHP_PREFIX}")
else()
    set(_ephpm_default_prefix "${EPHPM_CACHE_ROOT}/php/${EPHPM_PHP_SUITE}/current")
endif()
set(EPHPM_PHP_PREFIX "${_ephpm_default_prefix}" CACHE PATH "Prefix of the ZTS embed libphp build")

set(_ephpm_php_hint "build it with scripts/php/build.sh --suite ${EPHPM_PHP_SUITE} (or point EPHPM_PHP_PREFIX at a finished build)")
if(NOT EXISTS "${EPHPM_PHP_PREFIX}/.ephpm-complete")
    message(FATAL_ERROR "No finished libphp build at ${EPHPM_PHP_PREFIX}: ${_ephpm_php_hint}")
endif()
get_filename_component(EPHPM_PHP_PREFIX_REAL "${EPHPM_PHP_PREFIX}" REALPATH)
# The suite the prefix was built with, as its marker says (a prefix from
# EPHPM_PHP_PREFIX may be of another suite than EPHPM_PHP_SUITE names).
file(STRINGS "${EPHPM_PHP_PREFIX}/.ephpm-complete" _ephpm_marker_suite REGEX "^suite=")
if(_ephpm_marker_suite)
    string(REGEX REPLACE "^suite=" "" EPHPM_PHP_BUILT_SUITE "${_ephpm_marker_suite}")
else()
    set(EPHPM_PHP_BUILT_SUITE "custom")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${EPHPM_PHP_PREFIX}/.ephpm-complete")
set(_php_config "${EPHPM_PHP_PREFIX_REAL}/bin/php-config")
set(_libphp "${EPHPM_PHP_PREFIX_REAL}/lib/libphp.a")
if(NOT EXISTS "${_php_config}" OR NOT EXISTS "${_libphp}")
    message(FATAL_ERROR "${EPHPM_PHP_PREFIX_REAL} lacks bin/php-config or lib/libphp.a: ${_ephpm_php_hint}")
endif()

function(_ephpm_php_config option out_var)
    execute_process(
        COMMAND "${_php_config}" ${option}
        OUTPUT_VARIABLE _out
        OUTPUT_STRIP_TRAILING_WHITESPACE
        RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "php-config ${option} failed (${_rc}): ${_ephpm_php_hint}")
    endif()
    set(${out_var} "${_out}" PARENT_SCOPE)
endfunction()

_ephpm_php_config(--version EPHPM_PHP_VERSION)
_ephpm_php_config(--includes _php_includes)
_ephpm_php_config(--libs _php_libs)
_ephpm_php_config(--ldflags _php_ldflags)
_ephpm_php_config(--configure-options _php_configure)

if(NOT EPHPM_PHP_VERSION MATCHES "^8\\.4\\.")
    message(FATAL_ERROR "libphp at ${EPHPM_PHP_PREFIX_REAL} is PHP ${EPHPM_PHP_VERSION}; ePHPm needs 8.4")
endif()
if(NOT _php_configure MATCHES "--enable-zts")
    message(FATAL_ERROR "libphp at ${EPHPM_PHP_PREFIX_REAL} is not ZTS: ${_ephpm_php_hint}")
endif()

separate_arguments(_php_includes UNIX_COMMAND "${_php_includes}")
list(TRANSFORM _php_includes REPLACE "^-I" "")
separate_arguments(_php_libs UNIX_COMMAND "${_php_libs}")
separate_arguments(_php_ldflags UNIX_COMMAND "${_php_ldflags}")
list(REMOVE_DUPLICATES _php_libs)
# intl is C++, so php-config names -lstdc++; the executable is linked by the
# C++ driver, which adds the C++ runtime itself (statically with
# EPHPM_STATIC_RUNTIME). An explicit -lstdc++ would pull in libstdc++.so.
list(REMOVE_ITEM _php_libs "-lstdc++")

add_library(php::embed STATIC IMPORTED GLOBAL)
set_target_properties(
    php::embed
    PROPERTIES IMPORTED_LOCATION "${_libphp}"
               INTERFACE_INCLUDE_DIRECTORIES "${_php_includes}"
               INTERFACE_COMPILE_DEFINITIONS "ZEND_ENABLE_STATIC_TSRMLS_CACHE=1"
               INTERFACE_LINK_LIBRARIES "${_php_libs};Threads::Threads;${CMAKE_DL_LIBS}"
               INTERFACE_LINK_OPTIONS "${_php_ldflags}")
message(STATUS "libphp: PHP ${EPHPM_PHP_VERSION} (ZTS, embed, static, ${EPHPM_PHP_BUILT_SUITE} suite) from ${EPHPM_PHP_PREFIX_REAL}")

if(EPHPM_FULLY_STATIC)
    include(EphpmFullyStatic)
endif()
