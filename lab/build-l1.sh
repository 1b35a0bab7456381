#!/usr/bin/env bash
# lab/build-l1.sh [--kernel-properties FILE] [--kit-properties FILE] CACHE_DIR OUT_PROPERTIES
#
# Builds (or finds in the cache) the lab's L1 machine: Debian's stock kernel as an uncompressed
# ELF vmlinux (booted through PVH: no XZ decompression under emulation) and an initramfs holding
# busybox-static, a jlink-built JRE from the JDK running this build (with the host's glibc and
# the other shared libraries it needs), ACPICA's iasl and acpiexec (tests check a running VM's
# tables with them), lab/kvm-pin (see there), the kernel modules L1 needs (kvm, kvm_amd,
# virtio-pci, 9p over virtio, virtio-net) and lab/l1-init.sh as /init. The same kernel package is the L2 guest kernel.
#
# The kernel package comes from scripts/fetch-guest-kernel.sh, the vmlinux and busybox-static
# from the guest kit (scripts/build-guest-kit.sh); pass the properties files they wrote, or this
# script runs them.
#
# Writes OUT_PROPERTIES (Java properties):
#   l1.vmlinux          absolute path of the uncompressed ELF vmlinux
#   l1.initramfs        absolute path of the initramfs (cpio newc, uncompressed)
#   l1.kernel.version   kernel release, e.g. 6.1.0-56-amd64
#   l1.java.version     the JRE's version (JAVA_RUNTIME_VERSION of the JDK it came from)
#   l1.dir              the cache directory holding both
#
# Cache layout (CACHE_DIR, normally ~/.cache/hotvisor; shared with scripts/fetch-guest-kernel.sh
# and scripts/build-guest-kit.sh):
#   kernel/, busybox/, vmlinux/    theirs (read here)
#   lab/l1/<key>/                  initramfs.cpio, l1.properties; <key> names the kernel package,
#                                  busybox and JDK versions and a hash of this recipe (this
#                                  script, l1-init.sh, scripts/lib/kit.sh), so a change to any
#                                  of them rebuilds it
# A directory is complete once its .complete file exists.
#
# JAVA_HOME (or the java on PATH) names the JDK to jlink from; it needs its jmods/ directory.
# HOTVISOR_L1_WITH_QEMU=1 adds the host's qemu-system-x86_64 (with its libraries and the x86
# firmware it needs) as /opt/qemu/bin, for comparison runs (lab/run-lab.sh --compare-qemu).
set -euo pipefail

readonly ME="build-l1"
# JRE modules: what the tests (core-vmm, JNA, Gson, slf4j, AssertJ, the JUnit console launcher)
# and the Karaf distribution need: the system packages Karaf's etc/config.properties exports for
# Java 17, the JMX RMI connector, SSH (EC and PKCS#11 crypto) and JAAS. No locale data (Karaf
# logs in English) and no tools (compiler, jshell, debugger agents).
readonly JRE_MODULES=java.base,java.datatransfer,java.desktop,java.instrument,java.logging,java.management,\
java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,\
java.security.sasl,java.sql,java.sql.rowset,java.transaction.xa,java.xml,java.xml.crypto,jdk.attach,\
jdk.charsets,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.naming.rmi,jdk.net,\
jdk.jfr,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.xml.dom,jdk.zipfs
# L1 kernel modules, loaded in this order after their dependencies (from modules.dep).
readonly L1_MODULES=(
    virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
    netfs fscache 9pnet 9pnet_virtio 9p
    virtio_blk crc16 mbcache jbd2 crc32c_generic ext4
    irqbypass kvm ccp kvm_amd
    vfio vfio_virqfd vfio_iommu_type1 vfio-pci-core vfio-pci
    failover net_failover virtio_net
    tun
)

source "$(dirname "$0")/../scripts/lib/kit.sh"

kernel_properties="" kit_properties=""
while [[ ${1:-} == --*-properties ]]; do
    [[ $# -ge 2 ]] || die "$1 needs a file"
    case "$1" in
        --kernel-properties) kernel_properties=$2 ;;
        --kit-properties) kit_properties=$2 ;;
        *) die "unknown option $1" ;;
    esac
    shift 2
done
[[ $# -eq 2 ]] || die "usage: $0 [--kernel-properties FILE] [--kit-properties FILE] CACHE_DIR OUT_PROPERTIES"
mkdir -p "$1" || die "cannot create cache directory $1"
CACHE_DIR=$(cd "$1" && pwd)
OUT_PROPERTIES=$2
LAB=$(cd "$(dirname "$0")" && pwd)
SCRIPTS="$LAB/../scripts"
readonly CACHE_DIR OUT_PROPERTIES LAB SCRIPTS
readonly L1_ROOT="$CACHE_DIR/lab/l1"

"$SCRIPTS/ensure-host-deps.sh" xz-utils kmod cpio acpica-tools gcc libc6-dev \
    || die "cannot install xz-utils, kmod, cpio, acpica-tools, gcc and libc6-dev"
export PATH="$PATH:/usr/sbin:/sbin"
for tool in flock xz depmod cpio sha256sum ldd iasl acpiexec; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

# --- the JDK ----------------------------------------------------------------------------------
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/jlink" ]]; then
    jdk=$JAVA_HOME
else
    java_bin=$(command -v java) || die "no JAVA_HOME and no java on PATH"
    jdk=$(dirname "$(dirname "$(readlink -f "$java_bin")")")
fi
[[ -x "$jdk/bin/jlink" ]] || die "$jdk has no bin/jlink (need a JDK, not a JRE)"
[[ -f "$jdk/jmods/java.base.jmod" ]] || die "$jdk has no jmods/ (Debian: openjdk-17-jdk-headless ships them)"
java_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")
[[ -n "$java_version" ]] || java_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release")
[[ -n "$java_version" ]] || die "$jdk/release names no JAVA_VERSION"

work=$(mktemp -d /tmp/hotvisor-l1.XXXXXX)
trap 'rm -rf "$work"' EXIT

# --- the kernel -------------------------------------------------------------------------------
if [[ -z "$kernel_properties" ]]; then
    kernel_properties="$work/guest-kernel.properties"
    "$SCRIPTS/fetch-guest-kernel.sh" "$CACHE_DIR" "$kernel_properties" || die "fetch-guest-kernel.sh failed"
fi
load_kernel_properties "$kernel_properties"

# --- the guest kit: vmlinux and busybox-static ---------------------------------------------------
if [[ -z "$kit_properties" ]]; then
    kit_properties="$work/guest-kit.properties"
    "$SCRIPTS/build-guest-kit.sh" --kernel-properties "$kernel_properties" "$CACHE_DIR" "$kit_properties" \
        || die "scripts/build-guest-kit.sh failed"
fi
[[ -f "$kit_properties" ]] || die "$kit_properties: no such file"
vmlinux=$(read_property "$kit_properties" kit.vmlinux)
[[ -f "$vmlinux" ]] || die "$vmlinux (kit.vmlinux): no such file"
[[ "$(read_property "$kit_properties" kit.kernel.version)" == "$kernel_version" ]] \
    || die "the guest kit's kernel is not $kernel_version: pass the same kernel properties to both"
busybox_version=$(read_property "$kit_properties" kit.busybox.version)
busybox_dir="$CACHE_DIR/busybox/${busybox_version//:/%3a}"
[[ -x "$busybox_dir/bin/busybox" ]] || die "$busybox_dir/bin/busybox: missing (the guest kit keeps busybox-static there)"

mkdir -p "$L1_ROOT"
exec 9>>"$L1_ROOT/.lock"
flock 9

# --- the initramfs ----------------------------------------------------------------------------
recipe=$(kit_recipe_hash "$0" "$LAB/l1-init.sh" "$LAB/kvm-pin.c")
with_qemu=""
if [[ "${HOTVISOR_L1_WITH_QEMU:-}" == 1 ]]; then
    qemu_bin=$(command -v qemu-system-x86_64) || die "HOTVISOR_L1_WITH_QEMU=1 but qemu-system-x86_64 is not installed"
    with_qemu="+qemu_$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | tr -c 'A-Za-z0-9.\n' _ || echo host)"
fi
jdk_key=$(printf '%s' "$jdk $java_version" | sha256sum | cut -c1-8)
l1_key="${kernel_key}+busybox_${busybox_version//:/%3a}+jdk_${java_version//[^A-Za-z0-9._-]/_}_${jdk_key}${with_qemu}+$recipe"
l1_dir="$L1_ROOT/$l1_key"
initramfs="$l1_dir/initramfs.cpio"

# Copies the shared libraries the ELF files under $1 need (per ldd, with the dynamic loader)
# to the same absolute paths under $2.
copy_shared_libraries() {
    local tree=$1 stage=$2 f lib
    while IFS= read -r f; do
        if head -c 4 "$f" 2>/dev/null | grep -q 'ELF'; then
            ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
        fi
    done < <(find "$tree" -type f \( -name '*.so' -o -perm -u+x \)) | sort -u >"$work/libs"
    while IFS= read -r lib; do
        [[ "$lib" == "$tree"/* ]] && continue
        mkdir -p "$stage$(dirname "$lib")"
        cp -L "$lib" "$stage$lib"
    done <"$work/libs"
    # The loader as the ELF interpreter path names it (/lib64 may be a symlink in the stage).
    if [[ ! -e "$stage/lib64/ld-linux-x86-64.so.2" ]]; then
        mkdir -p "$stage/lib64"
        cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib64/ld-linux-x86-64.so.2"
    fi
}

build_initramfs() {
    local stage="$work/root" f
    stage_busybox_and_modules "$stage" "$busybox_dir" etc/l1-modules "${L1_MODULES[@]}"
    mkdir -p "$stage"/{opt,job,out}

    # The JRE. Uncompressed jimage (--compress=0): class loading under emulation is cheaper
    # than the bigger initramfs. The default CDS archive keeps JVM start-up short.
    "$jdk/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-header-files --no-man-pages \
        --compress=0 --generate-cds-archive --output "$stage/opt/jre" >"$work/jlink.log" 2>&1 \
        || { cat "$work/jlink.log" >&2; die "jlink failed"; }
    rm -f "$stage/opt/jre/lib/server/classes_nocoops.jsa" # only for heaps over 32 GiB
    copy_shared_libraries "$stage/opt/jre" "$stage"
    mkdir -p "$stage/opt/acpica/bin"
    cp -L "$(command -v iasl)" "$(command -v acpiexec)" "$stage/opt/acpica/bin/"
    copy_shared_libraries "$stage/opt/acpica" "$stage"

    if [[ -n "$with_qemu" ]]; then
        # QEMU looks for firmware in ../share/{qemu,seabios} beside its binary.
        mkdir -p "$stage/opt/qemu/bin" "$stage/opt/qemu/share/qemu" "$stage/opt/qemu/share/seabios"
        cp -L "$qemu_bin" "$stage/opt/qemu/bin/qemu-system-x86_64"
        copy_shared_libraries "$stage/opt/qemu" "$stage"
        for f in kvmvapic.bin linuxboot_dma.bin pvh.bin bios-microvm.bin; do
            cp -L "/usr/share/qemu/$f" "$stage/opt/qemu/share/qemu/$f" || die "no /usr/share/qemu/$f"
        done
        cp -L /usr/share/seabios/bios-256k.bin "$stage/opt/qemu/share/seabios/" || die "no SeaBIOS (package seabios)"
    fi
    mkdir -p "$stage/opt/lab"
    gcc -O2 -static -o "$stage/opt/lab/kvm-pin" "$LAB/kvm-pin.c" || die "cannot build lab/kvm-pin.c"
    cp "$LAB/l1-init.sh" "$stage/init"
    chmod 755 "$stage/init"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
    printf 'root:x:0:\nkvm:x:10:\n' >"$stage/etc/group"
    printf '127.0.0.1 localhost l1\n::1 localhost\n' >"$stage/etc/hosts"
    printf 'hosts: files\n' >"$stage/etc/nsswitch.conf"

    rm -rf "$l1_dir" "$l1_dir.tmp"
    mkdir -p "$l1_dir.tmp"
    pack_initramfs "$stage" "$l1_dir.tmp/initramfs.cpio"
    mv "$l1_dir.tmp" "$l1_dir"
}

if [[ ! -f "$l1_dir/.complete" ]]; then
    started=$(date +%s)
    build_initramfs
    {
        echo "# Written by lab/build-l1.sh"
        echo "l1.vmlinux=$(escape_property "$vmlinux")"
        echo "l1.initramfs=$(escape_property "$initramfs")"
        echo "l1.kernel.version=$kernel_version"
        echo "l1.java.version=$java_version"
        echo "l1.dir=$(escape_property "$l1_dir")"
    } >"$l1_dir/l1.properties"
    touch "$l1_dir/.complete"
    echo "$ME: built $l1_dir ($(du -m "$initramfs" | cut -f1) MiB) in $(($(date +%s) - started)) s"
    # Older images of the same kernel package and flavour (with or without QEMU) are superseded.
    flavour=(! -name '*+qemu_*')
    [[ -n "$with_qemu" ]] && flavour=(-name '*+qemu_*')
    find "$L1_ROOT" -mindepth 1 -maxdepth 1 -type d -name "${kernel_key}+*" ! -name "$l1_key" "${flavour[@]}" \
        -exec rm -rf {} + 2>/dev/null || true
fi
mkdir -p "$(dirname "$OUT_PROPERTIES")"
cp "$l1_dir/l1.properties" "$OUT_PROPERTIES.tmp"
mv "$OUT_PROPERTIES.tmp" "$OUT_PROPERTIES"
