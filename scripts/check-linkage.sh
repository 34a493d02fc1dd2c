#!/usr/bin/env bash
# Checks what an ephpm binary links dynamically: never libphp, libstdc++ or
# libgcc_s, and nothing that docs/building.md does not list and explain.
# With --fully-static: no program interpreter and no NEEDED entry at all.
# Usage: check-linkage.sh BINARY DOC | check-linkage.sh --fully-static BINARY
set -euo pipefail
if [ "${1:-}" = --fully-static ]; then
    binary="${2:?usage: check-linkage.sh --fully-static BINARY}"
    status=0
    if readelf -l "$binary" | grep -q 'Requesting program interpreter'; then
        echo "FAIL: $binary has a program interpreter: $(readelf -l "$binary" | grep -o '\[Requesting.*\]')"
        status=1
    fi
    needed=$(readelf -d "$binary" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
    if [ -n "$needed" ]; then
        echo "FAIL: $binary needs shared libraries: $needed"
        status=1
    fi
    [ $status -eq 0 ] && echo "ok: $binary has no interpreter and needs no shared library ($(file -b "$binary" | cut -d, -f1-2))"
    exit $status
fi
binary="${1:?usage: check-linkage.sh BINARY DOC}"
doc="${2:?usage: check-linkage.sh BINARY DOC}"

needed=$(readelf -d "$binary" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
[ -n "$needed" ] || { echo "FAIL: readelf found no NEEDED entries in $binary"; exit 1; }
status=0
for lib in $needed; do
    case "$lib" in
        libphp* | libstdc++* | libgcc_s*)
            echo "FAIL: $binary links $lib dynamically; it must be static"
            status=1
            ;;
    esac
    if ! grep -qF "\`$lib\`" "$doc"; then
        echo "FAIL: $binary needs $lib, which $doc does not list"
        status=1
    fi
done
[ $status -eq 0 ] && echo "ok: $(echo "$needed" | wc -l) shared libraries, all listed in $doc"
exit $status
