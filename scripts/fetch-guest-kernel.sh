#!/usr/bin/env bash
# fetch-guest-kernel.sh CACHE_DIR OUT_PROPERTIES
#
# Fetches Debian's guest kernel (the linux-image-<release> package that linux-image-amd64 depends
# on), unpacks it into the cache and writes OUT_PROPERTIES (Java properties):
#   kernel.package          e.g. linux-image-6.1.0-56-amd64
#   kernel.package.version  the Debian version, e.g. 6.1.192-2
#   kernel.version          the kernel release, e.g. 6.1.0-56-amd64
#   kernel.bzimage          absolute path of boot/vmlinuz-<release>
#   kernel.root             absolute path of the unpacked package
#
# Cache layout (CACHE_DIR, normally ~/.cache/hotvisor):
#   debs/                               .deb files as apt-get download names them
#   kernel/<package>_<version>/         dpkg-deb -x of the package (boot/, lib/modules/<release>/)
#   kernel/<package>_<version>/.complete  written last; a directory without it is redone
#   .lock                               serialises concurrent runs (flock)
# Later steps (guest kit initramfs, PVH vmlinux) add their own top-level directories beside
# kernel/ and key them by the same <package>_<version>.
#
# Without network, a previously unpacked kernel is used (with a warning) when apt cannot resolve
# or download the current one.
set -euo pipefail

readonly ME="fetch-guest-kernel"
readonly META_PACKAGE="linux-image-amd64"
package="" version=""
source "$(dirname "$0")/lib/kit.sh"

[[ $# -eq 2 ]] || die "usage: $0 CACHE_DIR OUT_PROPERTIES"
mkdir -p "$1" || die "cannot create cache directory $1"
CACHE_DIR=$(cd "$1" && pwd)
OUT_PROPERTIES=$2
readonly CACHE_DIR OUT_PROPERTIES
readonly DEB_DIR="$CACHE_DIR/debs" KERNEL_DIR="$CACHE_DIR/kernel"

for tool in apt-cache apt-get dpkg-deb flock; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found (this script needs a Debian host)"
done

if [[ $(id -u) -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    as_root=(false)
fi

log=$(mktemp /tmp/hotvisor-fetch-kernel.XXXXXX.log)
trap 'rm -f "$log"' EXIT

apt_updated=false
apt_update() {
    $apt_updated && return 1
    apt_updated=true
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get update -qq </dev/null >>"$log" 2>&1 \
        || { warn "apt-get update failed (not root, or no network?)"; return 1; }
}

# The kernel package linux-image-amd64 depends on, and its version (one apt-cache call: each
# costs over a second when apt keeps no binary cache).
resolve_package() {
    local depends
    depends=$(apt-cache show --no-all-versions "$META_PACKAGE" 2>/dev/null \
        | sed -n 's/^Depends: *//p' | head -n 1 | tr ',' '\n' | grep -m1 '^ *linux-image-[0-9]' || true)
    package=$(awk '{ print $1 }' <<<"$depends")
    [[ -n "$package" ]] || return 1
    version=$(sed -n 's/.*(= *\([^)]*\)).*/\1/p' <<<"$depends")
    if [[ -z "$version" ]]; then
        version=$(apt-cache policy "$package" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
    fi
    [[ -n "$version" && "$version" != "(none)" ]]
}

write_properties() {
    local root=$1 bzimage release pkg_version pkg_name name
    bzimage=$(find "$root/boot" -maxdepth 1 -name 'vmlinuz-*' -print -quit 2>/dev/null)
    [[ -n "$bzimage" ]] || die "$root has no boot/vmlinuz-*; delete it and rerun"
    release=${bzimage##*/vmlinuz-}
    name=${root##*/}
    pkg_name=${name%%_*}
    pkg_version=${name#*_}
    mkdir -p "$(dirname "$OUT_PROPERTIES")"
    {
        echo "# Written by scripts/fetch-guest-kernel.sh"
        echo "kernel.package=$pkg_name"
        echo "kernel.package.version=${pkg_version//%3a/:}"
        echo "kernel.version=$release"
        echo "kernel.bzimage=$(escape_property "$bzimage")"
        echo "kernel.root=$(escape_property "$root")"
    } >"$OUT_PROPERTIES.tmp"
    mv "$OUT_PROPERTIES.tmp" "$OUT_PROPERTIES"
}

mkdir -p "$KERNEL_DIR"
exec 9>>"$CACHE_DIR/.lock"
flock 9

if ! resolve_package; then
    # No lists yet (fresh machine): fetch them once.
    apt_update || true
    resolve_package || package=""
fi

if [[ -n "$package" ]]; then
    target="$KERNEL_DIR/${package}_${version//:/%3a}"
    if [[ -f "$target/.complete" ]]; then
        write_properties "$target"
        exit 0
    fi
    if fetch_deb "$DEB_DIR" "$package" "$version" "$target" "$log"; then
        write_properties "$target"
        exit 0
    fi
    # Stale lists name a version the archive no longer has.
    if apt_update && resolve_package; then
        target="$KERNEL_DIR/${package}_${version//:/%3a}"
        if [[ -f "$target/.complete" ]] || fetch_deb "$DEB_DIR" "$package" "$version" "$target" "$log"; then
            write_properties "$target"
            exit 0
        fi
    fi
fi

if cached=$(newest_complete_dir "$KERNEL_DIR"); then
    warn "could not fetch ${package:-the $META_PACKAGE kernel}${version:+ $version}; using cached ${cached##*/}"
    write_properties "$cached"
    exit 0
fi
cat "$log" >&2
die "could not fetch ${package:-the kernel package $META_PACKAGE depends on}${version:+ $version} and none is cached in $KERNEL_DIR (apt output above)"
