#!/usr/bin/env bash
# wordpress_test.sh EPHPM_BINARY
#
# A real WordPress (Debian's package) on ePHPm, end to end: installs the
# packages when missing, starts a throwaway MariaDB and the server on
# 127.0.0.1, then drive_site.py uses the site as a browser would. Every
# process and file it starts or makes is gone when it exits, pass or fail;
# no system service is started or touched. docs/wordpress.md describes the
# same setup done by hand.
#
# EPHPM_WORDPRESS_KEEP=1 keeps the temporary directory (logs, site, database)
# for a look after a failure.
set -euo pipefail
[ $# -eq 1 ] || {
    echo "usage: $0 EPHPM_BINARY" >&2
    exit 2
}
ephpm=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)

say() { echo "[wordpress] $*"; }
fail() {
    echo "[wordpress] FAIL: $*" >&2
    exit 1
}

[ -x "$ephpm" ] || fail "$ephpm is not an executable"
command -v python3 >/dev/null || fail "python3 not found (scripts/install-deps.sh installs it)"
"$here/ensure_packages.sh"
PATH="$PATH:/usr/sbin:/sbin"
for tool in mariadb-install-db mariadbd mariadb mariadb-admin; do
    command -v "$tool" >/dev/null || fail "$tool not found although mariadb-server is installed"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ephpm-wordpress-XXXXXX")
db_pid=""
ephpm_pid=""
driver_pid=""

# stop PID NAME: SIGTERM, then SIGKILL if it is still there after 20 s.
# Sets stopped_status to the process's exit status.
stopped_status=0
stop() {
    local pid=$1 name=$2
    stopped_status=0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "$name (pid $pid) ignored SIGTERM for 20 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || stopped_status=$?
}

# show_log TITLE FILE: the end of a log, without MariaDB's routine notes.
show_log() {
    [ -s "$2" ] || return 0
    echo "----- $1 (last 40 lines of $2) -----" >&2
    grep -v '\[Note\]' "$2" | tail -n 40 >&2
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop "$driver_pid" drive_site.py
    stop "$ephpm_pid" ephpm
    stop "$db_pid" mariadbd
    if [ "$rc" -ne 0 ]; then
        show_log "ePHPm log" "$work/ephpm.log"
        show_log "PHP error log" "$work/php-errors.log"
        show_log "MariaDB log" "$work/mariadb/error.log"
    fi
    if [ "${EPHPM_WORDPRESS_KEEP:-0}" = 1 ]; then
        say "kept $work"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody listens on right now, from below the kernel's ephemeral
# range: the clients of tests running alongside cannot take it before the
# server binds it, as they could a port drawn by bind(0).
free_port() {
    python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for port in [random.randrange(20000, low) for _ in range(100)] if low > 21000 else []:
    try:
        socket.socket().bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
else:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# wait_until SECONDS DESCRIPTION PID COMMAND...: polls COMMAND every 0.1 s
# while PID is alive.
wait_until() {
    local seconds=$1 what=$2 pid=$3
    shift 3
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        kill -0 "$pid" 2>/dev/null || fail "$what: the process exited"
        sleep 0.1
    done
    fail "$what: not ready after $seconds s"
}

# --- MariaDB: own datadir, socket and port; a real user with a password ---
db_dir=$work/mariadb
db_socket=$db_dir/mariadb.sock
db_port=$(free_port)
db_password=$(head -c 18 /dev/urandom | base64 -w0 | tr '+/' 'xy')
mkdir -p "$db_dir/data" "$db_dir/tmp"
me=$(id -un)
mariadb-install-db --no-defaults --datadir="$db_dir/data" --user="$me" \
    --auth-root-authentication-method=normal --skip-test-db >"$db_dir/install.log" 2>&1 ||
    {
        cat "$db_dir/install.log" >&2
        fail "mariadb-install-db failed"
    }
mariadbd --no-defaults --datadir="$db_dir/data" --socket="$db_socket" --port="$db_port" \
    --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$db_dir/mariadbd.pid" \
    --log-error="$db_dir/error.log" --tmpdir="$db_dir/tmp" --user="$me" \
    --innodb-buffer-pool-size=64M --skip-log-bin </dev/null >/dev/null 2>&1 &
db_pid=$!
db_ready() { mariadb-admin --no-defaults --socket="$db_socket" -uroot ping >/dev/null 2>&1; }
wait_until 60 "MariaDB on 127.0.0.1:$db_port" "$db_pid" db_ready
mariadb --no-defaults --socket="$db_socket" -uroot <<EOF || fail "could not create the database and its user"
CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'wordpress'@'127.0.0.1' IDENTIFIED BY '$db_password';
GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'127.0.0.1';
EOF
say "ok: MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$db_port, database created"

# --- the document root and ePHPm ---
port=$(free_port)
url="http://127.0.0.1:$port"
site=$work/site
"$here/make_site.sh" "$site" "$url" "127.0.0.1:$db_port" wordpress wordpress "$db_password" ||
    fail "could not build the document root in $site"
say "ok: document root built from /usr/share/wordpress in $site"

cat >"$work/ephpm.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
document_root = "site"

[server.logging]
level = "info"

[php]
workers = 4
memory_limit = "256M"
max_execution_time = 120
ini_overrides = [
    ["log_errors", "1"],
    ["error_log", "$work/php-errors.log"],
    ["upload_max_filesize", "16M"],
    ["post_max_size", "16M"],
    ["sendmail_path", "/bin/true"],
]
EOF
(
    # The generated file alone configures the server.
    for name in $(compgen -e); do
        case $name in EPHPM_* | PORT) unset "$name" ;; esac
    done
    exec "$ephpm" --config "$work/ephpm.toml"
) </dev/null >"$work/ephpm.log" 2>&1 &
ephpm_pid=$!
ephpm_ready() { grep -q "listening on 127.0.0.1:$port" "$work/ephpm.log"; }
wait_until 30 "ePHPm on $url" "$ephpm_pid" ephpm_ready
say "ok: ePHPm listening on $url"

# --- the site, as a browser uses it ---
# In the background so that a signal reaches the traps at once (bash runs
# them only after a foreground command ends). -B: no __pycache__ in the tree.
python3 -B "$here/drive_site.py" --url "$url" --site "$site" --db-socket "$db_socket" &
driver_pid=$!
driver_status=0
wait "$driver_pid" || driver_status=$?
driver_pid=""
[ "$driver_status" -eq 0 ] || exit "$driver_status"
kill -0 "$ephpm_pid" 2>/dev/null || fail "ePHPm exited during the test"
stop "$ephpm_pid" ephpm
ephpm_pid=""
[ "$stopped_status" -eq 0 ] || fail "ePHPm exited with status $stopped_status on SIGTERM"
say "ok: ePHPm stopped cleanly on SIGTERM"
say "PASS (${SECONDS} s in all)"
