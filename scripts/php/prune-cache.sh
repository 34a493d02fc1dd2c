#!/usr/bin/env bash
# Prunes the libphp cache around a suite's current prefix: of the suite's
# other finished prefixes only the newest stays (a way back), and every
# unfinished one goes; prefixes of the layout before extension suites
# (<cache>/php/<version>-<key>) go too. Says what it removes; each prefix
# holds a libphp.a of about 130 MB.
# Usage: prune-cache.sh <cache>/php/<suite>/<version>-<key>
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

current="${1:?usage: prune-cache.sh CURRENT-PREFIX}"
suite_dir=$(dirname "$current")
[ -f "$current/.ephpm-complete" ] || die "$current is not a finished libphp prefix" \
    "pass the prefix that scripts/php/build.sh just built or found"

remove() { # remove PREFIX WHY
    log "pruning $1 ($2, $(du -sh "$1" 2>/dev/null | cut -f1))"
    rm -rf "$1" "$EPHPM_CACHE_DIR/php-build-$(basename "$1").log"
}

kept_previous=""
while read -r old; do
    [ "$old" = "$current" ] && continue
    if [ ! -f "$old/.ephpm-complete" ]; then
        remove "$old" "an unfinished build"
    elif [ -z "$kept_previous" ]; then
        kept_previous="$old"
    else
        remove "$old" "an older build"
    fi
done < <(find "$suite_dir" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2-)

for old in "$EPHPM_CACHE_DIR"/php/8.*-*; do
    [ -d "$old" ] || continue
    remove "$old" "the layout before extension suites"
done
if [ -L "$EPHPM_CACHE_DIR/php/current" ]; then rm -f "$EPHPM_CACHE_DIR/php/current"; fi
