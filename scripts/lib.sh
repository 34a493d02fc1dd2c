# Shared helpers for the project's shell scripts. Source it; do not run it.
# shellcheck shell=bash

EPHPM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EPHPM_ROOT

# Every cached artefact (the PHP build above all) lives outside the work tree,
# so a fresh clone on the same machine reuses it.
EPHPM_CACHE_DIR="${EPHPM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ephpm}"
export EPHPM_CACHE_DIR

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# One clear message, then stop. Callers pass what failed and what to do.
die() {
    printf '\nerror: %s\n' "$1" >&2
    [ $# -ge 2 ] && printf '  what to do: %s\n' "$2" >&2
    exit 1
}

require_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 must run as root (it installs Debian packages)" \
        "run it again as root, e.g. with sudo"
}

# The link to the finished libphp prefix of an extension suite (default: the
# one CMake builds against, $EPHPM_PHP_SUITE or "wordpress").
php_prefix_file() { printf '%s/php/%s/current' "$EPHPM_CACHE_DIR" "${1:-${EPHPM_PHP_SUITE:-wordpress}}"; }

# die_with_log LOG MESSAGE HINT: for a failed build step. The first errors
# of its log say what went wrong, the last lines where it stopped.
die_with_log() {
    grep -m 8 -E '(error|Error|ERROR)[: ]' "$1" | cut -c1-300 >&2 || true
    echo "..." >&2
    tail -n 5 "$1" | cut -c1-300 >&2 || true
    die "$2 (full log: $1)" "$3"
}
