package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.kvm.VcpuFd;
import java.util.Arrays;

/** The MSR values a vCPU starts with (those KVM lists as settable; others are left alone). */
public final class BootMsrs {
    private static final long MISC_ENABLE_FAST_STRING = 1;
    private static final long MTRR_ENABLE_WRITE_BACK = (1 << 11) | 6;
    private static final int[] INDICES = {
        0x174, 0x175, 0x176,                  // SYSENTER_CS/ESP/EIP
        0xC000_0081, 0xC000_0082, 0xC000_0083, 0xC000_0084, // STAR, LSTAR, CSTAR, SYSCALL_MASK
        0xC000_0102,                          // KERNEL_GS_BASE
        0x10,                                 // TSC
        0x1A0,                                // MISC_ENABLE
        0x2FF,                                // MTRRdefType
    };
    private static final long[] VALUES = {0, 0, 0, 0, 0, 0, 0, 0, 0, MISC_ENABLE_FAST_STRING, MTRR_ENABLE_WRITE_BACK};

    private final int[] indices;
    private final long[] values;

    public BootMsrs(int[] settable) {
        int[] sorted = settable.clone();
        Arrays.sort(sorted);
        int count = 0;
        int[] keptIndices = new int[INDICES.length];
        long[] keptValues = new long[INDICES.length];
        for (int i = 0; i < INDICES.length; i++) {
            if (Arrays.binarySearch(sorted, INDICES[i]) >= 0) {
                keptIndices[count] = INDICES[i];
                keptValues[count++] = VALUES[i];
            }
        }
        this.indices = Arrays.copyOf(keptIndices, count);
        this.values = Arrays.copyOf(keptValues, count);
    }

    public void apply(VcpuFd vcpu) {
        vcpu.setMsrs(indices, values);
    }
}
