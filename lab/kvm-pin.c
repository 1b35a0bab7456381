/*
 * kvm-pin: holds one KVM VM with an in-kernel irqchip and one vCPU that never runs, until killed.
 * The lab's L1 (/init) starts it before any test or Hotvisor.
 *
 * Why: KVM counts vCPUs whose local APIC is software-disabled in a static key (apic_sw_disabled).
 * Each vCPU starts so, and the guest enabling its APIC counts down. So a count that drops to 0
 * and rises to 1 again as VMs and vCPUs come and go (every CPU hot-add, every VM) re-patches
 * kernel text in L1. Text patching across L1's CPUs (int3, then an IPI to every CPU) is where
 * QEMU's emulated SVM has been seen to wedge L1 (lab/README.md). This vCPU's APIC stays
 * software-disabled, so the count never drops to 0 and that key is never patched again.
 *
 *   gcc -O2 -static -o kvm-pin kvm-pin.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(const char *what) {
    fprintf(stderr, "kvm-pin: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        return fail("/dev/kvm");
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        return fail("KVM_CREATE_VM");
    }
    if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0) {
        return fail("KVM_CREATE_IRQCHIP");
    }
    if (ioctl(vm, KVM_CREATE_VCPU, 0) < 0) {
        return fail("KVM_CREATE_VCPU");
    }
    fprintf(stderr, "kvm-pin: holding a vCPU with a software-disabled local APIC\n");
    for (;;) {
        pause();
    }
}
