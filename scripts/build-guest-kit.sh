#!/usr/bin/env bash
# build-guest-kit.sh [--kernel-properties FILE] CACHE_DIR OUT_PROPERTIES
#
# The guest kit: Debian's stock kernel as an uncompressed ELF vmlinux (PVH entry) and as the
# bzImage, plus a busybox initramfs that loads the virtio/xHCI/HID/usb-storage/AHCI modules, prints
# HOTVISOR-GUEST-READY on the console and runs a shell there (prompt "guest# ").
#
# The kernel comes from scripts/fetch-guest-kernel.sh (run here unless --kernel-properties names
# the properties file it already wrote); busybox-static comes from `apt-get download`. Writes
# OUT_PROPERTIES (Java properties) and the same file as guest-kit.properties beside the outputs:
#   kit.vmlinux                 absolute path of the uncompressed ELF vmlinux (boot it via PVH)
#   kit.bzimage                 absolute path of the bzImage (boot/vmlinuz-<release>)
#   kit.initramfs               absolute path of the initramfs (cpio newc, uncompressed)
#   kit.kernel.version          kernel release, e.g. 6.1.0-56-amd64
#   kit.kernel.package          e.g. linux-image-6.1.0-56-amd64
#   kit.kernel.package.version  e.g. 6.1.192-2
#   kit.busybox.version         Debian version of busybox-static, e.g. 1:1.35.0-4+deb12u1+b1
#   kit.modules                 the modules /init loads, in load order (space separated)
#   kit.cmdline                 a kernel command line that suits the kit
#   kit.marker                  the line /init prints when the modules are loaded
#   kit.prompt                  the shell prompt (PS1)
#   kit.dir                     the directory holding initramfs.cpio and guest-kit.properties
#
# Cache layout (CACHE_DIR, normally ~/.cache/hotvisor; beside fetch-guest-kernel.sh's kernel/):
#   debs/                                         .deb files (busybox-static_<version>_amd64.deb)
#   busybox/<version>/                            dpkg-deb -x of busybox-static
#   vmlinux/<kernel package>_<version>/vmlinux    extracted from the bzImage's XZ payload
#   guest-kit/<kernel package>_<version>+busybox_<version>+<recipe>/
#                                                 initramfs.cpio, guest-kit.properties
#   guest-kit/.busybox-resolved                   the busybox-static version apt named, reused
#                                                 while the apt lists are unchanged
#   .lock                                         serialises concurrent runs (flock)
# Each directory is complete once its .complete file exists; an incomplete one is redone.
# <recipe> is a hash of this script and lib/kit.sh, so changing the module list or /init rebuilds
# the kit.
#
# Without network a previously downloaded busybox-static is used (with a warning). Exits non-zero
# with a one-line reason when the kit cannot be built.
set -euo pipefail

readonly ME="build-guest-kit"
readonly MARKER="HOTVISOR-GUEST-READY"
readonly PROMPT="guest# "
readonly CMDLINE="console=ttyS0 quiet"
# The modules the Linux tests need; their dependencies are added from modules.dep. Names as
# modprobe takes them ('-' and '_' are the same). Built-in ones (e.g. rng-core) are skipped.
readonly MODULES=(
    virtio_pci virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev
    virtio_blk virtio_net virtio_rng rng_core virtio_mem virtio_balloon virtio_console crc32c_generic ext4
    xhci_hcd xhci_pci usbhid hid_generic hid usb_storage sd_mod scsi_mod
    ahci libahci libata
)

source "$(dirname "$0")/lib/kit.sh"

kernel_properties=""
if [[ ${1:-} == --kernel-properties ]]; then
    [[ $# -ge 2 ]] || die "--kernel-properties needs a file"
    kernel_properties=$2
    shift 2
fi
[[ $# -eq 2 ]] || die "usage: $0 [--kernel-properties FILE] CACHE_DIR OUT_PROPERTIES"
mkdir -p "$1" || die "cannot create cache directory $1"
CACHE_DIR=$(cd "$1" && pwd)
OUT_PROPERTIES=$2
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
readonly CACHE_DIR OUT_PROPERTIES SCRIPTS
readonly DEB_DIR="$CACHE_DIR/debs" KIT_ROOT="$CACHE_DIR/guest-kit"

# Host tools: xz (vmlinux), depmod (modules.dep), cpio (initramfs).
"$SCRIPTS/ensure-host-deps.sh" xz-utils kmod cpio || die "cannot install xz-utils, kmod and cpio"
export PATH="$PATH:/usr/sbin:/sbin"
for tool in apt-cache apt-get dpkg-deb flock xz depmod cpio sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

work=$(mktemp -d /tmp/hotvisor-guest-kit.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- the kernel -------------------------------------------------------------------------------
if [[ -z "$kernel_properties" ]]; then
    kernel_properties="$work/guest-kernel.properties"
    "$SCRIPTS/fetch-guest-kernel.sh" "$CACHE_DIR" "$kernel_properties" \
        || die "fetch-guest-kernel.sh failed"
fi
load_kernel_properties "$kernel_properties"

mkdir -p "$KIT_ROOT"
exec 9>>"$CACHE_DIR/.lock"
flock 9

# --- busybox-static ---------------------------------------------------------------------------
# Newest modification time of the apt lists: the resolved version stays valid while it holds.
lists_stamp() {
    local f newest=0 t
    for f in /var/lib/apt/lists/*_Packages* /var/lib/apt/lists; do
        [[ -e "$f" ]] || continue
        t=$(stat -c %Y "$f")
        ((t > newest)) && newest=$t
    done
    echo "$newest"
}

resolve_busybox() {
    local resolved="$KIT_ROOT/.busybox-resolved" stamp version
    stamp=$(lists_stamp)
    if [[ -f "$resolved" ]] && [[ $(sed -n 1p "$resolved") == "$stamp" ]]; then
        sed -n 2p "$resolved"
        return
    fi
    version=$(apt-cache policy busybox-static 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
    if [[ -z "$version" || "$version" == "(none)" ]]; then
        return 1
    fi
    printf '%s\n%s\n' "$stamp" "$version" >"$resolved.tmp" && mv "$resolved.tmp" "$resolved"
    echo "$version"
}

apt_updated=false
apt_update() {
    $apt_updated && return 1
    apt_updated=true
    rm -f "$KIT_ROOT/.busybox-resolved"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >>"$work/apt.log" 2>&1 \
        || { warn "apt-get update failed (not root, or no network?)"; return 1; }
}

# Resolve the candidate version and unpack it; on failure (no lists on a fresh machine, or stale
# lists naming a version the archive no longer has) refresh the lists once and retry.
fetch_busybox() {
    local attempt
    for attempt in 1 2; do
        if busybox_version=$(resolve_busybox) && [[ -n "$busybox_version" ]]; then
            busybox_dir="$CACHE_DIR/busybox/${busybox_version//:/%3a}"
            if [[ -f "$busybox_dir/.complete" ]] \
                || fetch_deb "$DEB_DIR" busybox-static "$busybox_version" "$busybox_dir" "$work/apt.log"; then
                [[ -x "$busybox_dir/bin/busybox" ]] && return 0
                rm -rf "$busybox_dir"
            fi
        fi
        [[ $attempt == 1 ]] && apt_update || break
    done
    busybox_version=""
    return 1
}

busybox_version=""
fetch_busybox || true
if [[ -z "$busybox_version" ]]; then
    if ! busybox_dir=$(newest_complete_dir "$CACHE_DIR/busybox"); then
        [[ -f "$work/apt.log" ]] && cat "$work/apt.log" >&2
        die "cannot resolve or download busybox-static and none is cached in $CACHE_DIR/busybox"
    fi
    busybox_version=${busybox_dir##*/}
    busybox_version=${busybox_version//%3a/:}
    warn "could not fetch busybox-static; using cached $busybox_version"
fi

# --- vmlinux ------------------------------------------------------------------------------------
# As the kernel's scripts/extract-vmlinux: find the XZ stream in the bzImage and decompress it.
vmlinux_dir="$CACHE_DIR/vmlinux/$kernel_key"
vmlinux="$vmlinux_dir/vmlinux"
if [[ ! -f "$vmlinux_dir/.complete" ]]; then
    rm -rf "$vmlinux_dir"
    mkdir -p "$vmlinux_dir"
    found=false
    # Byte offsets of the XZ magic FD 37 7A 58 5A 00.
    for offset in $(LC_ALL=C grep -obUaP '\xFD7zXZ\x00' "$bzimage" 2>/dev/null | cut -d: -f1); do
        # xz stops at the end of the stream, so tail may die of SIGPIPE: judge by xz alone.
        if (set +o pipefail; tail -c "+$((offset + 1))" "$bzimage" | xz -dc --single-stream >"$vmlinux.tmp") 2>/dev/null \
            && [[ $(head -c 4 "$vmlinux.tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
            found=true
            break
        fi
    done
    $found || { rm -rf "$vmlinux_dir"; die "$bzimage: no XZ-compressed ELF payload found (is it an XZ bzImage?)"; }
    mv "$vmlinux.tmp" "$vmlinux"
    touch "$vmlinux_dir/.complete"
fi

# --- the initramfs ------------------------------------------------------------------------------
recipe=$(kit_recipe_hash "$0")
kit_dir="$KIT_ROOT/${kernel_key}+busybox_${busybox_version//:/%3a}+$recipe"
initramfs="$kit_dir/initramfs.cpio"

write_init() {
    cat >"$1" <<EOF
#!/bin/sh
# Hotvisor guest kit /init (scripts/build-guest-kit.sh)
export PATH=/sbin:/bin:/usr/sbin:/usr/bin HOME=/root
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# No modprobe here (insmod below loads what the tests need): keep the kernel from spawning one
# for every request_module().
echo >/proc/sys/kernel/modprobe
while read -r module; do
    insmod "/lib/modules/\$module.ko" || echo "guest-kit: insmod \$module failed"
done </etc/kit-modules
echo $MARKER
export PS1='$PROMPT'
cd /root
# The shell on the console (cttyhack gives it the console as controlling tty: job control, ^C).
setsid cttyhack sh
echo "guest-kit: shell exited, powering off"
poweroff -f
EOF
    chmod 755 "$1"
}

build_initramfs() {
    local stage="$work/root"
    stage_busybox_and_modules "$stage" "$busybox_dir" etc/kit-modules "${MODULES[@]}"
    write_init "$stage/init"
    rm -rf "$kit_dir" "$kit_dir.tmp"
    mkdir -p "$kit_dir.tmp"
    pack_initramfs "$stage" "$kit_dir.tmp/initramfs.cpio"
    tr '\n' ' ' <"$stage/etc/kit-modules" | sed 's/ $//' >"$kit_dir.tmp/modules"
    mv "$kit_dir.tmp" "$kit_dir"
}

write_kit_properties() {
    {
        echo "# Written by scripts/build-guest-kit.sh"
        echo "kit.vmlinux=$(escape_property "$vmlinux")"
        echo "kit.bzimage=$(escape_property "$bzimage")"
        echo "kit.initramfs=$(escape_property "$initramfs")"
        echo "kit.kernel.version=$kernel_version"
        echo "kit.kernel.package=$kernel_package"
        echo "kit.kernel.package.version=$kernel_package_version"
        echo "kit.busybox.version=$busybox_version"
        echo "kit.modules=$(cat "$kit_dir/modules")"
        echo "kit.cmdline=$CMDLINE"
        echo "kit.marker=$MARKER"
        echo "kit.prompt=$PROMPT"
        echo "kit.dir=$(escape_property "$kit_dir")"
    } >"$1.tmp"
    mv "$1.tmp" "$1"
}

if [[ ! -f "$kit_dir/.complete" ]]; then
    build_initramfs
    write_kit_properties "$kit_dir/guest-kit.properties"
    touch "$kit_dir/.complete"
fi
mkdir -p "$(dirname "$OUT_PROPERTIES")"
cp "$kit_dir/guest-kit.properties" "$OUT_PROPERTIES.tmp"
mv "$OUT_PROPERTIES.tmp" "$OUT_PROPERTIES"
