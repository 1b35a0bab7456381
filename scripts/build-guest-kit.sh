#!/usr/bin/env bash
# build-guest-kit.sh [--kernel-properties FILE] CACHE_DIR OUT_PROPERTIES
#
# The guest kit: Debian's stock kernel as an uncompressed ELF vmlinux (PVH entry) and as the
# bzImage, plus a busybox initramfs that loads the virtio/xHCI/HID/usb-storage modules, prints
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
# <recipe> is a hash of this script, so changing the module list or /init rebuilds the kit.
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
    virtio_blk virtio_net virtio_rng rng_core virtio_mem virtio_balloon
    xhci_hcd xhci_pci usbhid hid_generic hid usb_storage sd_mod scsi_mod
)

die() {
    echo "$ME: $*" >&2
    exit 1
}
warn() {
    echo "$ME: warning: $*" >&2
}

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
[[ -f "$kernel_properties" ]] || die "$kernel_properties: no such file (run fetch-guest-kernel.sh first)"
property() {
    local value
    value=$(sed -n "s/^$1=//p" "$kernel_properties" | head -n 1)
    [[ -n "$value" ]] || die "$kernel_properties has no $1"
    printf '%s' "${value//\\\\/\\}"
}
kernel_package=$(property kernel.package)
kernel_package_version=$(property kernel.package.version)
kernel_version=$(property kernel.version)
bzimage=$(property kernel.bzimage)
kernel_root=$(property kernel.root)
[[ -f "$bzimage" ]] || die "$bzimage: no such file (delete $kernel_root and rerun)"
modules_dir="$kernel_root/lib/modules/$kernel_version"
[[ -d "$modules_dir" ]] || die "$modules_dir: no such directory (delete $kernel_root and rerun)"
kernel_key="${kernel_package}_${kernel_package_version//:/%3a}"

mkdir -p "$KIT_ROOT"
exec 9>>"$CACHE_DIR/.lock"
flock 9

# --- busybox-static ---------------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
    apt_download_opts=(-o APT::Sandbox::User=root)
else
    apt_download_opts=()
fi

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

unpack_busybox() {
    local version=$1 target=$2 deb pattern
    pattern="busybox-static_${version//:/%3a}_*.deb"
    mkdir -p "$DEB_DIR"
    deb=$(find "$DEB_DIR" -maxdepth 1 -name "$pattern" -print -quit)
    if [[ -z "$deb" ]]; then
        (cd "$DEB_DIR" && apt-get download "${apt_download_opts[@]}" "busybox-static=$version") \
            </dev/null >>"$work/apt.log" 2>&1 || return 1
        deb=$(find "$DEB_DIR" -maxdepth 1 -name "$pattern" -print -quit)
        [[ -n "$deb" ]] || return 1
    fi
    rm -rf "$target" "$target.tmp"
    mkdir -p "$target.tmp"
    dpkg-deb -x "$deb" "$target.tmp" || { rm -rf "$target.tmp"; rm -f "$deb"; return 1; }
    [[ -x "$target.tmp/bin/busybox" ]] || { rm -rf "$target.tmp"; return 1; }
    mv "$target.tmp" "$target"
    touch "$target/.complete"
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
            if [[ -f "$busybox_dir/.complete" ]] || unpack_busybox "$busybox_version" "$busybox_dir"; then
                return 0
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
    busybox_dir=$(find "$CACHE_DIR/busybox" -mindepth 2 -maxdepth 2 -name .complete -printf '%T@ %h\n' 2>/dev/null \
        | sort -rn | head -n 1 | cut -d' ' -f2- || true)
    if [[ -z "$busybox_dir" ]]; then
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
recipe=$(sha256sum "$0" | cut -c1-12)
kit_dir="$KIT_ROOT/${kernel_key}+busybox_${busybox_version//:/%3a}+$recipe"
initramfs="$kit_dir/initramfs.cpio"

# Module name (dashes as underscores) -> path relative to $modules_dir, from modules.dep.
resolve_modules() {
    if [[ ! -f "$modules_dir/modules.dep" || "$modules_dir/modules.dep" -ot "$modules_dir/modules.order" ]]; then
        depmod -b "$kernel_root" "$kernel_version" 2>"$work/depmod.log" \
            || { cat "$work/depmod.log" >&2; die "depmod -b $kernel_root $kernel_version failed"; }
    fi
    # Depth-first over each module's dependencies: dependencies come out before their users.
    awk -v wanted="${MODULES[*]}" -v builtin="$modules_dir/modules.builtin" '
        function name(path,   n) { n = path; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n); return n }
        function visit(n,   i, k, parts) {
            if (n in done) return
            done[n] = 1
            k = split(deps[n], parts, " ")
            for (i = k; i >= 1; i--) visit(name(parts[i]))
            print path[n]
        }
        BEGIN {
            while ((getline line < builtin) > 0) isbuiltin[name(line)] = 1
        }
        {
            sub(/:$/, "", $1)
            n = name($1); path[n] = $1; deps[n] = ""
            for (i = 2; i <= NF; i++) deps[n] = deps[n] " " $i
        }
        END {
            k = split(wanted, w, " ")
            for (i = 1; i <= k; i++) {
                n = w[i]; gsub(/-/, "_", n)
                if (n in path) visit(n)
                else if (!(n in isbuiltin)) { print "MISSING " n; exit 1 }
            }
        }' "$modules_dir/modules.dep"
}

# A cpio newc archive holding only the character device dev/console (5,1), so that the kernel
# can open the initial console before /init mounts devtmpfs; made here because creating a
# device node on disk would need root. The kernel accepts concatenated archives.
console_archive() {
    local name="dev/console"
    # magic, ino, mode (020600), uid, gid, nlink, mtime, filesize, dev maj/min, rdev maj/min, namesize, check
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0x7fff0001 $((0020600)) 0 0 1 0 0 0 0 5 1 $((${#name} + 1)) 0
    printf '%s\0\0\0' "$name" # 110 + 12 bytes, padded to 124
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' 0 0 0 0 1 0 0 0 0 0 0 11 0
    printf 'TRAILER!!!\0\0\0\0' # 110 + 11 bytes, padded to 124
}

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
    local stage="$work/root" module_list="$work/modules" rel n f applet
    resolve_modules >"$module_list" || die "module $(sed -n 's/^MISSING //p' "$module_list") is neither in $modules_dir/modules.dep nor built in"
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,lib/modules}
    cp "$busybox_dir/bin/busybox" "$stage/bin/busybox"
    while read -r applet; do
        [[ "$applet" == bin/busybox ]] && continue
        [[ -e "$stage/$applet" ]] || ln -s /bin/busybox "$stage/$applet"
    done < <("$stage/bin/busybox" --list-full)
    : >"$stage/etc/kit-modules"
    while read -r rel; do
        n=${rel##*/}
        n=${n%%.ko*}
        f="$modules_dir/$rel"
        case "$rel" in
            *.ko) cp "$f" "$stage/lib/modules/$n.ko" ;;
            *.ko.xz) xz -dc "$f" >"$stage/lib/modules/$n.ko" ;;
            *.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$n.ko" ;;
            *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/$n.ko" || die "cannot decompress $f (zstd)" ;;
            *) die "unexpected module file $rel" ;;
        esac
        echo "$n" >>"$stage/etc/kit-modules"
    done <"$module_list"
    write_init "$stage/init"
    rm -rf "$kit_dir" "$kit_dir.tmp"
    mkdir -p "$kit_dir.tmp"
    (cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
        | cpio -o -H newc -R 0:0 --reproducible --quiet) >"$kit_dir.tmp/initramfs.cpio" \
        || die "cpio failed"
    console_archive >>"$kit_dir.tmp/initramfs.cpio"
    tr '\n' ' ' <"$stage/etc/kit-modules" | sed 's/ $//' >"$kit_dir.tmp/modules"
    mv "$kit_dir.tmp" "$kit_dir"
}

escape_property() {
    local s=${1//\\/\\\\}
    printf '%s' "$s"
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
