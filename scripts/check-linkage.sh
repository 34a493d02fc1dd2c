#!/usr/bin/env bash
# Checks that an ephpm binary is fully static: no program interpreter and no
# NEEDED entry, so it runs in a root that holds nothing else.
# Usage: check-linkage.sh BINARY
set -euo pipefail
binary="${1:?usage: check-linkage.sh BINARY}"
status=0
if readelf -l "$binary" | grep -q 'Requesting program interpreter'; then
    echo "FAIL: $binary has a program interpreter: $(readelf -l "$binary" | grep -o '\[Requesting.*\]')"
    status=1
fi
needed=$(readelf -d "$binary" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p')
if [ -n "$needed" ]; then
    echo "FAIL: $binary needs shared libraries:" $needed
    status=1
fi
[ $status -eq 0 ] && echo "ok: $binary has no interpreter and needs no shared library ($(file -b "$binary" | cut -d, -f1-2))"
exit $status
