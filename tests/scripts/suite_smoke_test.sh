#!/usr/bin/env bash
# Smoke test of one extension suite other than the default: builds ephpm
# against that suite's libphp (when it is in the cache), checks that
# `ephpm --version` names the suite, serves tests/fixtures/extension_smoke.php
# and expects one successful call through every extension of the suite.
# Without the suite's libphp it says so and exits 77, which CTest reports as
# this test skipped ("Not Run"), never as passed.
# Usage: suite_smoke_test.sh SUITE
set -uo pipefail
suite="${1:?usage: suite_smoke_test.sh SUITE}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/scripts/lib.sh"
source "$root/scripts/php/suites.sh"

prefix="$EPHPM_CACHE_DIR/php/$suite/current"
if [ ! -f "$prefix/.ephpm-complete" ]; then
    echo "not run: the $suite suite's libphp is not in $EPHPM_CACHE_DIR/php/$suite" \
        "(scripts/php/build.sh --suite $suite builds it)"
    exit 77
fi

build="$root/build/suite-$suite"
echo "building ephpm against the $suite suite in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEPHPM_PHP_SUITE="$suite" \
    -DEPHPM_PHP_PREFIX="$prefix" -DEPHPM_STATIC_RUNTIME=ON -DEPHPM_BUILD_TESTS=OFF \
    -DEPHPM_BUILD_BENCHES=OFF >/dev/null || { echo "FAIL: cmake configure"; exit 1; }
cmake --build "$build" --target ephpm >/dev/null || { echo "FAIL: building ephpm"; exit 1; }

passed=0
failed=0
version=$("$build/ephpm" --version)
if grep -qF "$suite extension suite" <<<"$version"; then
    passed=$((passed + 1))
else
    echo "FAIL: ephpm --version does not name the $suite suite:"
    echo "$version"
    failed=$((failed + 1))
fi

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/site"
cp "$root/tests/fixtures/extension_smoke.php" "$work/site/"
port=$(python3 "$root/tests/support/free_port.py")
"$build/ephpm" --listen "127.0.0.1:$port" --document-root "$work/site" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on" "$work/log" && break
    sleep 0.1
done
extensions=$(suite_extensions "$suite" | paste -sd,)
results=$(curl -sS --max-time 30 "http://127.0.0.1:$port/extension_smoke.php?ext=$extensions")
for ext in $(suite_extensions "$suite"); do
    result=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "no answer"))' \
        "$results" "$ext" 2>/dev/null || echo "no JSON: $results")
    if [ "$result" = ok ]; then
        passed=$((passed + 1))
    else
        echo "FAIL: $ext: $result"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
