#!/bin/sh
# /init of the lab's L1 machine (lab/build-l1.sh puts this file into the L1 initramfs).
#
# Mounts the 9p shares the host runner gives (tag "job", read-only: the test job; tag "out",
# writable: results), loads kvm_amd, then runs /job/run.sh and powers off. The runner reads
# /out/exit-status. Kernel command line switches:
#   lab.shell   a shell on the console instead of the job (debugging: lab/run-lab.sh --shell)
export PATH=/opt/jre/bin:/opt/acpica/bin:/sbin:/bin:/usr/sbin:/usr/bin HOME=/root LANG=C.UTF-8
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o size=1g tmpfs /tmp
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
echo >/proc/sys/kernel/modprobe
hostname l1
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

while read -r module; do
    insmod "/lib/modules/$module.ko" || echo "l1: insmod $module failed"
done </etc/l1-modules

# The devices the VFIO tests pass through (lab/l1.sh: lab.vfio=ADDRESS for the NIC,
# lab.vfio-sata=ADDRESS for the SATA controller): to vfio-pci, as a user binds one (the commands
# vfio-pci's refusal prints), so that /dev/vfio/GROUP appears.
for word in $(cat /proc/cmdline); do
    case "$word" in
    lab.vfio=* | lab.vfio-sata=*)
        address=${word#*=}
        device=/sys/bus/pci/devices/$address
        if [ -e "$device" ]; then
            [ -e "$device/driver" ] && echo "$address" >"$device/driver/unbind"
            echo vfio-pci >"$device/driver_override"
            echo "$address" >/sys/bus/pci/drivers_probe
        fi
        [ -e "$device/iommu_group" ] && ls /dev/vfio/"$(basename "$(readlink "$device/iommu_group")")" >/dev/null \
            || echo "l1: $address is not ready for VFIO (no IOMMU group or /dev/vfio node)"
        ;;
    esac
done

# A NIC means QEMU user networking with host ports forwarded to 127.0.0.1 here (lab/l1.sh):
# route_localnet lets those packets in, so services bound to loopback answer the host.
if [ -e /sys/class/net/eth0 ]; then
    ip link set eth0 up
    ip addr add 10.0.2.15/24 dev eth0
    ip route add default via 10.0.2.2
    echo 1 >/proc/sys/net/ipv4/conf/eth0/route_localnet
fi

# A vCPU that keeps KVM's apic_sw_disabled key from flipping as VMs come and go (lab/kvm-pin.c).
[ -c /dev/kvm ] && /opt/lab/kvm-pin </dev/null &

mkdir -p /job /out
# msize 512 KiB: fewer, larger 9p requests (each costs an emulated virtio round trip).
opts=trans=virtio,version=9p2000.L,msize=524288
mount -t 9p -o "$opts,ro,cache=loose" job /job || echo "l1: cannot mount the job share"
mount -t 9p -o "$opts,cache=none" out /out || echo "l1: cannot mount the out share"

up=$(cut -d' ' -f1 /proc/uptime)
if [ -c /dev/kvm ]; then kvm=yes; else kvm=no; fi
echo "L1-READY uptime=${up}s kvm=$kvm cpus=$(grep -c ^processor /proc/cpuinfo)"
# What nested SVM L1's KVM uses (the lab's wedges may depend on it; lab/README.md).
echo "l1: kvm_amd $(cd /sys/module/kvm_amd/parameters 2>/dev/null && for p in *; do printf '%s=%s ' "$p" "$(cat "$p")"; done)"
# The clock Java's System.nanoTime reads (a TSC read, or a system call and an emulated timer).
echo "l1: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
# Where kvm_amd enters L2: a guest vCPU whose registers show an RIP near it carries L1's state.
echo "l1: $(grep -w __svm_vcpu_run /proc/kallsyms 2>/dev/null || echo 'no __svm_vcpu_run in /proc/kallsyms')"
echo "$up" >/out/l1-ready-uptime 2>/dev/null

case " $(cat /proc/cmdline) " in
*" lab.shell "*)
    export PS1='l1# '
    setsid cttyhack sh
    ;;
*)
    if [ -f /job/run.sh ]; then
        # Heartbeat for the host (lab/run-lab.sh, the tests of a running Hotvisor): it stops
        # when L1 wedges (lab/README.md).
        ( while :; do cut -d' ' -f1 /proc/uptime >/out/heartbeat; sleep 5; done ) </dev/null >/dev/null 2>&1 &
        sh /job/run.sh
        echo $? >/out/exit-status
    else
        echo "l1: /job/run.sh is missing" | tee /out/exit-status
    fi
    ;;
esac
sync
echo "L1-DONE uptime=$(cut -d' ' -f1 /proc/uptime)s"
poweroff -f
