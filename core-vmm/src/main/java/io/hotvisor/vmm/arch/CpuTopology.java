package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.kvm.CpuidEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-vCPU CPUID built from what KVM supports: the vCPU's APIC id everywhere the guest looks for
 * it, a topology of one socket with one thread per core, and the bits Linux needs from a VMM.
 * vcpu id = APIC id = x2APIC id.
 */
public final class CpuTopology {
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_EXT_TOPOLOGY = 0xB;
    private static final int LEAF_V2_EXT_TOPOLOGY = 0x1F;
    private static final int LEAF_AMD_ADDRESS_SIZES = 0x8000_0008;
    private static final int LEAF_AMD_EXT_APIC_ID = 0x8000_001E;
    private static final int ECX_TSC_DEADLINE = 1 << 24;
    private static final int ECX_HYPERVISOR = 1 << 31;
    private static final int EDX_HTT = 1 << 28;
    private static final int LEVEL_TYPE_SMT = 1;
    private static final int LEVEL_TYPE_CORE = 2;

    private final List<CpuidEntry> supported;
    private final int maxVcpus;
    private final int coreIdBits;

    public CpuTopology(List<CpuidEntry> supported, int maxVcpus) {
        this.supported = List.copyOf(supported);
        this.maxVcpus = maxVcpus;
        this.coreIdBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, maxVcpus - 1));
    }

    public List<CpuidEntry> cpuidFor(int apicId) {
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        for (CpuidEntry entry : supported) {
            result.add(switch (entry.function()) {
                case LEAF_FEATURES -> features(entry, apicId);
                case LEAF_EXT_TOPOLOGY, LEAF_V2_EXT_TOPOLOGY -> topologyLevel(entry, apicId);
                case LEAF_AMD_ADDRESS_SIZES -> entry.withEcx((entry.ecx() & ~0xF0FF) | (coreIdBits << 12) | (maxVcpus - 1));
                case LEAF_AMD_EXT_APIC_ID -> entry.withEax(apicId).withEbx(apicId & 0xFF).withEcx(0);
                default -> entry;
            });
        }
        return result;
    }

    private CpuidEntry features(CpuidEntry entry, int apicId) {
        int ebx = (entry.ebx() & 0x0000FFFF) | (Math.min(maxVcpus, 255) << 16) | ((apicId & 0xFF) << 24);
        int ecx = entry.ecx() | ECX_TSC_DEADLINE | ECX_HYPERVISOR;
        int edx = maxVcpus > 1 ? entry.edx() | EDX_HTT : entry.edx() & ~EDX_HTT;
        return entry.withEbx(ebx).withEcx(ecx).withEdx(edx);
    }

    private CpuidEntry topologyLevel(CpuidEntry entry, int apicId) {
        return switch (entry.index()) {
            case 0 -> entry.withEax(0).withEbx(1).withEcx((LEVEL_TYPE_SMT << 8)).withEdx(apicId);
            case 1 -> entry.withEax(coreIdBits).withEbx(maxVcpus).withEcx((LEVEL_TYPE_CORE << 8) | 1).withEdx(apicId);
            default -> entry.withEax(0).withEbx(0).withEcx(entry.index() & 0xFF).withEdx(apicId);
        };
    }
}
