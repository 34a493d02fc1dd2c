#!/usr/bin/env bash
# The fully static ephpm in an otherwise empty root (chroot): only the
# binary, a document root, a config, /etc/hosts and /etc/resolv.conf. Over
# HTTP: hello.php, a static file, gethostbyname() of a name only that
# /etc/hosts knows, and a mysqli connection by that name to a throwaway
# MariaDB on 127.0.0.1; `ephpm --version` runs there too. MariaDB comes from
# Debian (installed by tests/wordpress/ensure_packages.sh when missing).
# Needs root (chroot).
set -uo pipefail
binary="${1:?usage: empty_root_test.sh EPHPM-BINARY}"
here="$(cd "$(dirname "$0")" && pwd)"
passed=0
failed=0
pids=()
work=$(mktemp -d)
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail_now() { echo "FAIL: $*"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
        passed=$((passed + 1))
    else
        echo "FAIL: $1: expected '$2', got '$3'"
        failed=$((failed + 1))
    fi
}
[ "$(id -u)" -eq 0 ] || fail_now "this test needs root (chroot)"
bash "$here/../wordpress/ensure_packages.sh" >/dev/null || fail_now "cannot install MariaDB"

free_port() { python3 "$here/../support/free_port.py"; }
wait_for() { # wait_for SECONDS PID COMMAND...
    local seconds=$1 pid=$2
    shift 2
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --- a throwaway MariaDB on 127.0.0.1 ---
db="$work/mariadb"
mkdir -p "$db/data" "$db/tmp"
db_port=$(free_port)
mariadb-install-db --no-defaults --datadir="$db/data" --user=root --skip-test-db \
    --auth-root-authentication-method=normal >"$db/install.log" 2>&1 ||
    fail_now "mariadb-install-db: $(tail -3 "$db/install.log")"
mariadbd --no-defaults --datadir="$db/data" --socket="$db/sock" --port="$db_port" \
    --bind-address=127.0.0.1 --skip-name-resolve --user=root --tmpdir="$db/tmp" \
    --log-error="$db/error.log" --innodb-buffer-pool-size=16M --skip-log-bin </dev/null >/dev/null 2>&1 &
pids+=($!)
wait_for 60 "${pids[-1]}" mariadb-admin --no-defaults --socket="$db/sock" -uroot ping >/dev/null 2>&1 ||
    fail_now "MariaDB did not start: $(tail -5 "$db/error.log")"
mariadb --no-defaults --socket="$db/sock" -uroot \
    -e "CREATE USER 'ephpm'@'127.0.0.1' IDENTIFIED BY 'empty-root';" ||
    fail_now "could not create the MariaDB user"

# --- the root: nothing but these files ---
root="$work/root"
mkdir -p "$root/etc" "$root/site"
cp "$binary" "$root/ephpm"
name="db.empty-root.ephpm.test"
printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$name" >"$root/etc/hosts"
printf 'nameserver 127.0.0.1\n' >"$root/etc/resolv.conf"
echo "<?php echo 'hello from the empty root';" >"$root/site/hello.php"
echo "static text" >"$root/site/static.txt"
echo "<?php echo gethostbyname('$name');" >"$root/site/resolve.php"
cat >"$root/site/mysql.php" <<PHP
<?php
mysqli_report(MYSQLI_REPORT_OFF);
\$db = new mysqli('$name', 'ephpm', 'empty-root', '', $db_port);
if (\$db->connect_errno) { echo 'connect error: ', \$db->connect_error; exit; }
echo \$db->query('SELECT 6 * 7')->fetch_row()[0];
PHP
cat >"$root/site/pdo.php" <<PHP
<?php
try {
    \$db = new PDO('mysql:host=$name;port=$db_port', 'ephpm', 'empty-root');
    echo \$db->query('SELECT 6 * 8')->fetchColumn();
} catch (PDOException \$e) { echo 'PDO error: ', \$e->getMessage(); }
PHP
port=$(free_port)
# curl inside PHP asks for a static file of this very server by that name.
cat >"$root/site/curl.php" <<PHP
<?php
\$c = curl_init('http://$name:$port/static.txt');
curl_setopt(\$c, CURLOPT_RETURNTRANSFER, true);
\$body = curl_exec(\$c);
echo \$body === false ? 'curl error: ' . curl_error(\$c) : trim(\$body);
PHP
cat >"$root/ephpm.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
document_root = "/site"
[php]
workers = 2
TOML

version=$(chroot "$root" /ephpm --version 2>&1 | head -n1)
check "ephpm --version runs in the empty root" "ephpm" "${version%% *}"

chroot "$root" /ephpm --config /ephpm.toml >"$work/ephpm.log" 2>&1 &
pids+=($!)
wait_for 30 "${pids[-1]}" grep -q "listening on" "$work/ephpm.log" ||
    fail_now "ephpm did not start in the empty root: $(cat "$work/ephpm.log")"

get() { curl -sS --max-time 10 "http://127.0.0.1:$port$1" 2>&1; }
check "hello.php" "hello from the empty root" "$(get /hello.php)"
check "a static file" "static text" "$(get /static.txt)"
check "gethostbyname() of a name only /etc/hosts knows" "127.0.0.1" "$(get /resolve.php)"
check "mysqli to MariaDB by that name" "42" "$(get /mysql.php)"
check "PDO to MariaDB by that name" "48" "$(get /pdo.php)"
check "curl's lookup of that name" "static text" "$(get /curl.php)"

# No /tmp in this root: said at startup, and a body that must be spooled
# gets 500 with the log naming what to set.
head -c $((2 * 1024 * 1024)) /dev/zero >"$work/big.bin"
echo "<?php echo strlen(file_get_contents('php://input'));" >"$root/site/length.php"
cat >"$root/site/upload.php" <<'PHP'
<?php
$f = $_FILES['file'] ?? null;
echo $f && $f['error'] === UPLOAD_ERR_OK ? filesize($f['tmp_name']) : 'upload error ' . ($f['error'] ?? 'none');
PHP
post() { curl -sS --max-time 20 -o /dev/null -w '%{http_code}' --data-binary @"$work/big.bin" "http://127.0.0.1:$port$1" 2>&1; }
check "the missing temporary directory is named at startup" "1" \
    "$(grep -c 'no usable temporary directory (/tmp: .*set TMPDIR' "$work/ephpm.log")"
check "a body to spool without one: 500" "500" "$(post /length.php)"
check "the log says what to set" "1" "$(grep -c 'cannot spool a request body .*set TMPDIR' "$work/ephpm.log")"

# With TMPDIR pointing into the root, large bodies and PHP uploads work.
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null
mkdir -m 1777 "$root/spool"
TMPDIR=/spool chroot "$root" /ephpm --config /ephpm.toml >"$work/ephpm2.log" 2>&1 &
pids+=($!)
wait_for 30 "${pids[-1]}" grep -q "listening on" "$work/ephpm2.log" ||
    fail_now "ephpm did not start again: $(cat "$work/ephpm2.log")"
check "with TMPDIR: a 2 MiB body arrives whole" "$((2 * 1024 * 1024))" \
    "$(curl -sS --max-time 20 --data-binary @"$work/big.bin" "http://127.0.0.1:$port/length.php")"
head -c 100000 /dev/zero >"$work/small.bin"
check "with TMPDIR: a PHP upload arrives" "100000" \
    "$(curl -sS --max-time 20 -F "file=@$work/small.bin" "http://127.0.0.1:$port/upload.php")"

[ "$failed" -eq 0 ] || { echo "--- ephpm's log"; cat "$work/ephpm.log" "$work/ephpm2.log" 2>/dev/null; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
