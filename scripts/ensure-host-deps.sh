#!/usr/bin/env bash
# ensure-host-deps.sh PKG...
#
# Installs the Debian packages among PKG... that are not installed yet. Quick and silent when all
# are present; otherwise prints one line naming what it installed. Safe to run from several Maven
# modules at once (apt is serialised by a lock under /tmp) and with no stdin (CI).
set -euo pipefail

readonly ME="ensure-host-deps"
readonly LOCK_FILE="/tmp/hotvisor-apt.lock"
readonly LISTS_MAX_AGE_SECONDS=86400

die() {
    echo "$ME: $*" >&2
    exit 1
}

[[ $# -gt 0 ]] || die "usage: $0 PKG..."

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing_packages() {
    local pkg
    for pkg in "$@"; do
        is_installed "$pkg" || echo "$pkg"
    done
}

mapfile -t missing < <(missing_packages "$@")
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    die "cannot install ${missing[*]}: not root and no password-less sudo; install them by hand (apt-get install ${missing[*]})"
fi

export DEBIAN_FRONTEND=noninteractive
apt_log=$(mktemp /tmp/hotvisor-apt.XXXXXX.log)
trap 'rm -f "$apt_log"' EXIT

# apt-get update touches lists/ or lists/partial/; the Release files keep the archive's dates.
lists_are_fresh() {
    local newest=0 f t
    for f in /var/lib/apt/lists/*_Packages* ; do
        [[ -e "$f" ]] || return 1
        break
    done
    for f in /var/lib/apt/lists /var/lib/apt/lists/partial /var/lib/apt/periodic/update-success-stamp; do
        [[ -e "$f" ]] || continue
        t=$(stat -c %Y "$f")
        (( t > newest )) && newest=$t
    done
    (( $(date +%s) - newest < LISTS_MAX_AGE_SECONDS ))
}

apt_update() {
    "${as_root[@]}" apt-get update -qq </dev/null >>"$apt_log" 2>&1 \
        || { cat "$apt_log" >&2; die "apt-get update failed"; }
}

apt_install() {
    "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >>"$apt_log" 2>&1
}

exec 9>>"$LOCK_FILE"
flock 9
# Another process may have installed them while we waited for the lock.
mapfile -t missing < <(missing_packages "${missing[@]}")
[[ ${#missing[@]} -eq 0 ]] && exit 0

updated=false
if ! lists_are_fresh; then
    apt_update
    updated=true
fi
if ! apt_install "${missing[@]}"; then
    $updated && { cat "$apt_log" >&2; die "apt-get install ${missing[*]} failed"; }
    apt_update
    apt_install "${missing[@]}" || { cat "$apt_log" >&2; die "apt-get install ${missing[*]} failed"; }
fi
echo "$ME: installed ${missing[*]}"
