#!/usr/bin/env bash
# Load on the cheapest PHP request (benches/fixtures/hello.php): req/s and the
# server's CPU time per request, from /proc/<pid>/stat utime+stime deltas.
# CPU per request is the steadier number on a shared machine.
#
#   benches/hello_load.sh [path/to/ephpm] [runs] [seconds]
#   default: build/release/ephpm (else build/ci/ephpm), 3 runs of 5 s
#
#   EPHPM_CALLGRIND=1 benches/hello_load.sh [path/to/ephpm] [requests]
#   instead runs the server under valgrind --tool=callgrind and reports the
#   user-space instructions per request over a fixed number of requests
#   (default 2000, h2load --h1 on 4 connections): noise-free, but blind to
#   the kernel's share.
#
# Starts the binary on a free 127.0.0.1 port with a generated config
# (4 PHP workers, OPcache on, access log off, level warn) and stops it at the end.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:-}"
if [ -z "$binary" ]; then
    binary="$root/build/release/ephpm"
    [ -x "$binary" ] || binary="$root/build/ci/ephpm"
fi
callgrind="${EPHPM_CALLGRIND:-}"
runs="${2:-3}"
seconds="${3:-5}"
[ -x "$binary" ] || { echo "hello_load: no binary at $binary" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 install -y wrk >/dev/null
fi

tmp="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$tmp/docroot"
cp "$root/benches/fixtures/hello.php" "$tmp/docroot/"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$tmp/ephpm.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
document_root = "$tmp/docroot"

[php]
workers = 4
memory_limit = "128M"
max_execution_time = 30
opcache_validate_timestamps = false
ini_overrides = [["display_errors", "0"], ["output_buffering", "0"], ["opcache.enable", "1"], ["opcache.jit", "disable"], ["opcache.jit_buffer_size", "0"], ["zend.assertions", "-1"]]

[server.logging]
level = "warn"
access = "off"
EOF

wrap=()
if [ -n "$callgrind" ]; then
    wrap=(valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.out" --dump-instr=no)
fi
"${wrap[@]}" "$binary" --config "$tmp/ephpm.toml" >"$tmp/server.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port/hello.php"
for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$url" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.1
done
curl -sf -o /dev/null "$url" || { echo "hello_load: server did not answer" >&2; exit 1; }

if [ -n "$callgrind" ]; then
    requests="$runs"
    [ "$requests" = 3 ] && requests=2000
    h2load --h1 -n 200 -c 4 "$url" >/dev/null # warm-up: OPcache, threads
    callgrind_control -z "$pid" >/dev/null 2>&1
    out="$(h2load --h1 -n "$requests" -c 4 "$url")"
    grep -q " 0 failed, 0 errored" <<<"$out" || grep -E "^requests:" <<<"$out" >&2
    callgrind_control -d "$pid" >/dev/null 2>&1
    total=0
    for f in "$tmp"/callgrind.out*; do
        n="$(awk '/^summary:|^totals:/ {print $2; exit}' "$f")"
        total=$((total + ${n:-0}))
    done
    if [ -n "${EPHPM_CALLGRIND_KEEP:-}" ]; then cp "$tmp"/callgrind.out.* "$EPHPM_CALLGRIND_KEEP"/; fi
    echo "$requests requests: $((total / requests)) instructions/request (user space, all threads)"
    exit 0
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
wrk -t2 -c16 -d1s "$url" >/dev/null # warm-up: OPcache, threads, connections
for i in $(seq 1 "$runs"); do
    before="$(cpu_ticks)"
    out="$(wrk -t2 -c16 -d"${seconds}s" --latency "$url")"
    after="$(cpu_ticks)"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    us_per_req="$(awk -v t="$((after - before))" -v hz="$hz" -v n="$requests" \
        'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
    echo "run $i: ${rps} req/s, ${us_per_req} us server CPU/request, p99 ${p99}${non2xx:+, non-2xx $non2xx}"
done
