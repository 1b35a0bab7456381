package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * For the tests that put boot state into a real vCPU and read it back from KVM: the vCPU, and the
 * fields of a {@code struct kvm_segment} in its {@link KvmSregs}.
 */
final class VcpuReadback {
    private VcpuReadback() {
    }

    /** Runs {@code test} on vCPU 0 of a VM set up as the VMM sets one up: TSS, identity map, in-kernel irqchip. */
    static void withVcpu(Consumer<VcpuFd> test) {
        withVcpu((vm, vcpu) -> test.accept(vcpu));
    }

    /** The same, for tests that also give the VM memory. */
    static void withVcpu(BiConsumer<VmFd, VcpuFd> test) {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
            vm.setTssAddress(Layout.TSS_ADDR);
            vm.setIdentityMapAddress(Layout.IDENTITY_MAP_ADDR);
            vm.createIrqchip();
            try (VcpuFd vcpu = vm.createVcpu(0)) {
                test.accept(vm, vcpu);
            }
        }
    }

    static long base(KvmSregs sregs, int segment) {
        return sregs.get(segment + KvmAbi.SEG_BASE);
    }

    /** Bytes 8..15 of a kvm_segment: limit (u32), selector (u16), type, present. */
    static long limit(KvmSregs sregs, int segment) {
        return sregs.get(segment + KvmAbi.SEG_LIMIT) & 0xFFFF_FFFFL;
    }

    static int selector(KvmSregs sregs, int segment) {
        return (int) ((sregs.get(segment + KvmAbi.SEG_LIMIT) >>> 32) & 0xFFFF);
    }

    static int type(KvmSregs sregs, int segment) {
        return (int) ((sregs.get(segment + KvmAbi.SEG_LIMIT) >>> 48) & 0xFF);
    }

    static boolean present(KvmSregs sregs, int segment) {
        return ((sregs.get(segment + KvmAbi.SEG_LIMIT) >>> 56) & 0xFF) != 0;
    }

    /** Bytes 16..23: dpl, db, s, l, g, avl, unusable, padding. */
    static int flagByte(KvmSregs sregs, int segment, int field) {
        return (int) ((sregs.get(segment + 16) >>> (8 * (field - 16))) & 0xFF);
    }
}
