# lab/l1.sh — sourced (after setting ME) by what decides where KVM work runs or boots the lab's
# L1 machine: lab/run-lab.sh (the KVM tests), lab/hotvisor-in-l1.sh (the distribution) and
# scripts/run.sh. It decides host or lab, prepares the guest kit and the L1 image and builds
# QEMU's command line. It sources scripts/lib/kit.sh.
#
#   kvm_where CACHE          sets kvm_where (host or lab) and kvm_why (one line: the measurement)
#   kit_prepare CACHE WORK   guest kernel and guest kit built or found in the cache; sets
#                            kernel_properties, kit_properties (files in WORK)
#   l1_prepare CACHE WORK    after kit_prepare: QEMU installed and the L1 image built or found in
#                            the cache; sets l1_vmlinux, l1_initramfs, l1_sata_disk. Returns 3
#                            when QEMU cannot be installed (VMs cannot run here at all); dies on
#                            other failures
#   l1_qemu_command APPEND   sets the array l1_qemu: QEMU for L1 with the given extra kernel
#                            arguments; callers add -virtfs shares, -netdev, -serial, -monitor
#   l1_add_share TAG DIR [ro]
#                            adds to l1_qemu a 9p share of DIR with mount tag TAG
#
# Environment: HOTVISOR_FAST_KVM_NS (100: /dev/kvm is used directly below this many ns per guest
# loop iteration), HOTVISOR_LAB_SMP (2), HOTVISOR_LAB_TCG_THREAD (multi), HOTVISOR_LAB_VFIO (0; 1:
# L1 gets a virtual IOMMU and a NIC bound to vfio-pci), HOTVISOR_LAB_L1_CMDLINE (more words for
# L1's kernel command line, e.g. module parameters). See lab/README.md.

L1_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
L1_ROOT=$(cd "$L1_DIR/.." && pwd)
source "$L1_ROOT/scripts/lib/kit.sh"

# Host or lab: the host when its /dev/kvm runs lab/kvm-speed.c's guest loop faster than
# HOTVISOR_FAST_KVM_NS ns per iteration (hardware: ~1 ns), else the lab (missing /dev/kvm, or an
# emulating one such as kvm_pvm: ~1,300 ns). The probe is built once per source version.
kvm_where() { # CACHE
    local fast_ns=${HOTVISOR_FAST_KVM_NS:-100} bin speed ns err
    bin="$1/lab/kvm-speed-$(sha256sum "$L1_DIR/kvm-speed.c" | cut -c1-12)"
    if [[ ! -x "$bin" ]]; then
        "$L1_ROOT/scripts/ensure-host-deps.sh" gcc libc6-dev >/dev/null || die "cannot install gcc to build lab/kvm-speed.c"
        mkdir -p "$(dirname "$bin")"
        gcc -O2 -o "$bin.tmp" "$L1_DIR/kvm-speed.c" || die "cannot build lab/kvm-speed.c"
        mv "$bin.tmp" "$bin"
    fi
    err=$(mktemp)
    if speed=$("$bin" 2>"$err"); then
        ns=${speed#ns_per_iteration=}
        if awk -v ns="$ns" -v max="$fast_ns" 'BEGIN { exit !(ns < max) }'; then
            kvm_where=host kvm_why="/dev/kvm runs a guest loop at $ns ns per iteration (fast: under $fast_ns)"
        else
            kvm_where=lab kvm_why="/dev/kvm is slow: $ns ns per guest loop iteration (hardware: ~1; fast: under $fast_ns)"
        fi
    else
        kvm_where=lab kvm_why="no usable /dev/kvm ($(head -n 1 "$err"))"
    fi
    rm -f "$err"
}

kit_prepare() { # CACHE WORK
    mkdir -p "$2"
    kernel_properties="$2/guest-kernel.properties" kit_properties="$2/guest-kit.properties"
    "$L1_ROOT/scripts/fetch-guest-kernel.sh" "$1" "$kernel_properties" || die "scripts/fetch-guest-kernel.sh failed"
    "$L1_ROOT/scripts/build-guest-kit.sh" --kernel-properties "$kernel_properties" "$1" "$kit_properties" \
        || die "scripts/build-guest-kit.sh failed"
}

l1_prepare() { # CACHE WORK
    "$L1_ROOT/scripts/ensure-host-deps.sh" qemu-system-x86 || return 3
    command -v qemu-system-x86_64 >/dev/null || { warn "qemu-system-x86_64 is not on PATH"; return 3; }
    "$L1_DIR/build-l1.sh" --kernel-properties "$kernel_properties" --kit-properties "$kit_properties" "$1" \
        "$2/l1.properties" || die "lab/build-l1.sh failed"
    l1_vmlinux=$(read_property "$2/l1.properties" l1.vmlinux) || die "$2/l1.properties names no l1.vmlinux"
    l1_initramfs=$(read_property "$2/l1.properties" l1.initramfs) || die "$2/l1.properties names no l1.initramfs"
    l1_sata_disk="$2/l1-sata.img"
}

# The NIC that L1 binds to vfio-pci for the VFIO tests (lab/l1-init.sh): behind QEMU's virtual
# Intel IOMMU (iommu_platform=on puts its DMA through it; Debian's kernel has neither
# virtio-iommu nor VFIO's no-IOMMU mode), on a user network of its own. Only in an L1 started
# with HOTVISOR_LAB_VFIO=1 (run-lab.sh: for the classes that use it; lab/README.md says why).
readonly L1_VFIO_NIC=0000:00:10.0
# Likewise a SATA controller (QEMU's ICH9 AHCI, its DMA through the IOMMU as every emulated
# device's) with a 64 MiB disk on port 0: the file l1_prepare's WORK holds, kept between runs.
readonly L1_VFIO_SATA=0000:00:11.0

# L1: softlockup_panic + panic=-1 + -no-reboot end a wedged L1 at once (QEMU exits). The IOMMU
# comes first: QEMU wants it before the devices whose DMA it translates.
l1_qemu_command() { # EXTRA_KERNEL_ARGS
    local machine=q35 vfio=() append="console=ttyS0 mitigations=off quiet loglevel=4 panic=-1 softlockup_panic=1"
    if [[ "${HOTVISOR_LAB_VFIO:-0}" == 1 ]]; then
        machine=q35,kernel-irqchip=split
        [[ -f "$l1_sata_disk" ]] || truncate -s 64M "$l1_sata_disk"
        vfio=(-device intel-iommu,intremap=on -netdev user,id=vfio0
            -device "virtio-net-pci,netdev=vfio0,disable-legacy=on,iommu_platform=on,addr=${L1_VFIO_NIC#0000:00:}"
            -drive "if=none,id=sata-disk,format=raw,file=$l1_sata_disk"
            -device "ich9-ahci,id=sata,addr=${L1_VFIO_SATA#0000:00:}" -device ide-hd,drive=sata-disk,bus=sata.0)
        append+=" intel_iommu=on lab.vfio=$L1_VFIO_NIC lab.vfio-sata=$L1_VFIO_SATA"
    fi
    l1_qemu=(qemu-system-x86_64 -machine "$machine"
        -accel "tcg,thread=${HOTVISOR_LAB_TCG_THREAD:-multi}"
        -smp "${HOTVISOR_LAB_SMP:-2}" -m 4G -cpu EPYC,+svm,+npt
        "${vfio[@]}"
        -kernel "$l1_vmlinux" -initrd "$l1_initramfs"
        -append "$append${1:+ $1}${HOTVISOR_LAB_L1_CMDLINE:+ $HOTVISOR_LAB_L1_CMDLINE}"
        -display none -nodefaults -no-reboot)
}

l1_add_share() { # TAG DIR [ro]
    l1_qemu+=(-virtfs "local,path=$2,mount_tag=$1,security_model=none${3:+,readonly=on}")
}
