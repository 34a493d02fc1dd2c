#!/usr/bin/env bash
# Installs Debian's WordPress, its Twenty Twenty-One theme and the MariaDB
# server when any is missing, without letting their maintainer scripts start
# system services. Exits 1 with one clear message when that is impossible:
# the WordPress test must fail loudly, never skip.
set -euo pipefail

packages=(wordpress wordpress-theme-twentytwentyone mariadb-server)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "[wordpress] packages present: ${packages[*]}"
    exit 0
fi

fail() {
    echo "[wordpress] FAIL: cannot install ${missing[*]}: $1" >&2
    echo "[wordpress]   what to do: install them as root with" \
        "'apt-get install --no-install-recommends ${missing[*]}', then run the test again" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "the test is not running as root"
command -v apt-get >/dev/null || fail "apt-get not found (this test needs Debian's packages)"

# invoke-rc.d asks policy-rc.d before starting a service; 101 means "do not".
# An existing policy (Debian's container images ship one) is left alone.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Installed by the ePHPm WordPress test while it installs packages.\nexit 101\n' \
        >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
remove_policy() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap remove_policy EXIT

echo "[wordpress] installing ${missing[*]} (services are not started)"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
    apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${missing[@]}"
}
if ! apt_install; then
    apt-get -o DPkg::Lock::Timeout=900 update -q || fail "apt-get update failed"
    apt_install || fail "apt-get install failed (see apt's message above)"
fi
echo "[wordpress] packages installed"
