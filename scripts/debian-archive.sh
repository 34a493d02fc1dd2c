# Reading Debian's archive the way apt is set up on this machine. Source it;
# do not run it. Needs lib.sh first.
# shellcheck shell=bash

apt_helper=/usr/lib/apt/apt-helper

# The Debian mirrors apt is configured with (deb822 and one-line sources), the
# security archive left out: its pool holds only security uploads.
debian_mirrors() {
    if [ -n "${EPHPM_DEBIAN_MIRROR:-}" ]; then
        echo "${EPHPM_DEBIAN_MIRROR%/}"
        return
    fi
    local parts list
    parts=$(apt-config dump --format '%v%n' Dir::Etc::sourceparts 2>/dev/null || true)
    list=$(apt-config dump --format '%v%n' Dir::Etc::sourcelist 2>/dev/null || true)
    case "$parts" in /*) ;; *) parts="/etc/apt/${parts:-sources.list.d}" ;; esac
    case "$list" in /*) ;; *) list="/etc/apt/${list:-sources.list}" ;; esac
    {
        # deb822: an entry whose Suites name a Debian release and whose
        # Components include main.
        for f in "$parts"/*.sources; do
            [ -f "$f" ] || continue
            awk 'BEGIN { RS = ""; FS = "\n" }
                {
                    uris = ""; suites = ""; comps = ""
                    for (i = 1; i <= NF; i++) {
                        if ($i ~ /^URIs:/) uris = substr($i, 6)
                        if ($i ~ /^Suites:/) suites = substr($i, 8)
                        if ($i ~ /^Components:/) comps = substr($i, 12)
                    }
                    if (suites ~ /(bookworm|trixie|forky|sid|stable|testing)/ && comps ~ /main/)
                        print uris
                }' "$f"
        done
        for f in "$list" "$parts"/*.list; do
            [ -f "$f" ] || continue
            awk '$1 ~ /^deb(-src)?$/ {
                    u = $2; if (u ~ /^\[/) { for (i = 2; i <= NF && $i !~ /\]$/; i++); u = $(i + 1) }
                    if ($0 ~ /(bookworm|trixie|forky|sid|stable|testing)/ && $0 ~ / main/) print u
                }' "$f"
        done
    } | tr ' ' '\n' | grep -E '^(https?|file):' | grep -v -- '-security' | sed 's:/*$::' | awk '!seen[$0]++'
}

# download URI FILE: FILE holds the resource afterwards (a copy, even for
# file: URIs, where apt-helper would leave a symlink). Output goes to stderr.
download() {
    rm -f "$2" "$2.part"
    "$apt_helper" -o APT::Sandbox::User=root download-file "$1" "$2.part" >&2 2>&1 || return 1
    cp --dereference "$2.part" "$2" && rm -f "$2.part"
}

# The pool directory of a source package: pool/main/<p or libp>/<package>.
pool_dir() {
    local initial="${1:0:1}"
    case "$1" in lib?*) initial="${1:0:4}" ;; esac
    printf 'pool/main/%s/%s' "$initial" "$1"
}

# fetch_debian_source_package PACKAGE VERSION DSC-SHA256: the .dsc of a
# pinned source package and every file it lists, into <cache>/src/<package>/,
# from the pool of the first mirror that has them all. The .dsc must have
# the pinned hash and each file the hash the .dsc gives it; a mismatch stops
# with both hashes and keeps nothing. Prints the .dsc's path.
fetch_debian_source_package() {
    local package="$1" version="$2" want="$3"
    local dir="$EPHPM_CACHE_DIR/src/$package" dsc_name="${1}_${2#*:}.dsc"
    local dsc="$dir/$dsc_name"
    # "sha256 name" of each file the .dsc lists.
    listed() { awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $1, $3 }' "$1"; }
    all_there() {
        [ -f "$dsc" ] && [ "$(sha256sum "$dsc" | cut -c1-64)" = "$want" ] || return 1
        local sha name
        while read -r sha name; do
            [ -f "$dir/$name" ] && [ "$(sha256sum "$dir/$name" | cut -c1-64)" = "$sha" ] || return 1
        done < <(listed "$dsc")
    }
    if all_there; then
        log "$package $version source already downloaded and verified"
        echo "$dsc"
        return 0
    fi
    mkdir -p "$dir"
    local work mirror sha name got
    work=$(mktemp -d "$dir/.download.XXXXXX")
    while read -r mirror; do
        [ -n "$mirror" ] || continue
        local base="$mirror/$(pool_dir "$package")"
        log "trying $base/$dsc_name"
        download "$base/$dsc_name" "$work/$dsc_name" || continue
        got=$(sha256sum "$work/$dsc_name" | cut -c1-64)
        if [ "$got" != "$want" ]; then
            rm -rf "$work"
            die "the downloaded $dsc_name has sha256 $got, expected $want"                 "nothing was kept; check the mirror (or a proxy in between) and run again"
        fi
        local complete=1
        while read -r sha name; do
            if ! download "$base/$name" "$work/$name"; then
                complete=""
                break
            fi
            got=$(sha256sum "$work/$name" | cut -c1-64)
            if [ "$got" != "$sha" ]; then
                rm -rf "$work"
                die "the downloaded $name has sha256 $got, but $dsc_name lists $sha"                     "nothing was kept; check the mirror (or a proxy in between) and run again"
            fi
        done < <(listed "$work/$dsc_name")
        if [ -n "$complete" ]; then
            mv "$work"/* "$dir/"
            rm -rf "$work"
            log "$package $version source (.dsc sha256 $want) from $base"
            echo "$dsc"
            return 0
        fi
    done < <(debian_mirrors)
    rm -rf "$work"
    die "no Debian mirror that apt is configured with has $package $version ($dsc_name and its files)" \
        "check that Debian's archive is reachable; if the pin is gone from the pool, update it in the script that named it"
}
