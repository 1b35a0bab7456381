package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.kvm.CpuidEntry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Per-vCPU CPUID from a synthetic KVM_GET_SUPPORTED_CPUID answer (pitfalls.md item 4). */
class CpuTopologyTest {
    private static final int SIGNIFICANT = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
    private static final int ECX_TSC_DEADLINE = 1 << 24;
    private static final int ECX_HYPERVISOR = 1 << 31;
    private static final int EDX_HTT = 1 << 28;

    /** Looks like a host's answer, with host-specific junk where the VMM must put its own values. */
    static List<CpuidEntry> supported(boolean hostHtt) {
        return List.of(
                new CpuidEntry(0x0, 0, 0, 0x1F, 0x756E6547, 0x6C65746E, 0x49656E69),
                new CpuidEntry(0x1, 0, 0, 0x000806F8, 0x2A10_0800 | 0x56, 0x0000_0201, 0x0789_FBFF | (hostHtt ? EDX_HTT : 0)),
                new CpuidEntry(0x7, 0, SIGNIFICANT, 0, 0x0000_0209, 0, 0),
                new CpuidEntry(0xB, 0, SIGNIFICANT, 1, 2, 0x0100, 0x37),
                new CpuidEntry(0xB, 1, SIGNIFICANT, 7, 112, 0x0201, 0x37),
                new CpuidEntry(0xB, 2, SIGNIFICANT, 0, 0, 0x0002, 0x37),
                new CpuidEntry(0x1F, 0, SIGNIFICANT, 1, 2, 0x0100, 0x37),
                new CpuidEntry(0x1F, 1, SIGNIFICANT, 7, 112, 0x0201, 0x37),
                new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0x4B4D564B, 0x564B4D56, 0x4D),
                new CpuidEntry(0x4000_0001, 0, 0, 0x0100_7AFB, 0, 0, 0),
                new CpuidEntry(0x8000_0000, 0, 0, 0x8000_0021, 0, 0, 0),
                new CpuidEntry(0x8000_0008, 0, 0, 0x0000_3030, 0x1234, 0x0003_70FF, 0),
                new CpuidEntry(0x8000_001E, 0, 0, 0x2C, 0x0000_0116, 0x0000_0103, 0));
    }

    private static CpuidEntry leaf(List<CpuidEntry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst()
                .orElseThrow(() -> new AssertionError(String.format("no leaf 0x%x.%d", function, index)));
    }

    private static int bits(int value, int high, int low) {
        return (value >>> low) & ((1 << (high - low + 1)) - 1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 8, 9, 64, 255})
    void everyVcpuSeesItsOwnApicIdWhereverLinuxLooks(int vcpus) {
        CpuTopology topology = new CpuTopology(supported(true), vcpus);
        for (int apicId = 0; apicId < vcpus; apicId++) {
            List<CpuidEntry> cpuid = topology.cpuidFor(apicId);
            assertThat(bits(leaf(cpuid, 0x1, 0).ebx(), 31, 24)).as("leaf 1 EBX[31:24], vCPU %d", apicId).isEqualTo(apicId);
            for (int index = 0; index <= 2; index++) {
                assertThat(leaf(cpuid, 0xB, index).edx()).as("0xB.%d EDX, vCPU %d", index, apicId).isEqualTo(apicId);
            }
            assertThat(leaf(cpuid, 0x1F, 0).edx()).isEqualTo(apicId);
            assertThat(leaf(cpuid, 0x1F, 1).edx()).isEqualTo(apicId);
            assertThat(leaf(cpuid, 0x8000_001E, 0).eax()).as("0x8000001E EAX, vCPU %d", apicId).isEqualTo(apicId);
        }
    }

    @Test
    void differentVcpusGetDifferentIdsFromOneTopology() {
        CpuTopology topology = new CpuTopology(supported(true), 4);
        assertThat(leaf(topology.cpuidFor(2), 0xB, 0).edx()).isEqualTo(2);
        assertThat(leaf(topology.cpuidFor(3), 0xB, 0).edx()).isEqualTo(3);
        assertThat(leaf(topology.cpuidFor(2), 0xB, 0).edx()).as("cpuidFor does not keep state").isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void leaf1SetsTscDeadlineAndHypervisorAndKeepsTheRest(int vcpus) {
        CpuidEntry host = leaf(supported(true), 0x1, 0);
        CpuidEntry guest = leaf(new CpuTopology(supported(true), vcpus).cpuidFor(0), 0x1, 0);
        assertThat(guest.ecx() & ECX_TSC_DEADLINE).as("TSC-deadline, ECX[24]").isNotZero();
        assertThat(guest.ecx() & ECX_HYPERVISOR).as("hypervisor, ECX[31]").isNotZero();
        assertThat(guest.ecx() & ~(ECX_TSC_DEADLINE | ECX_HYPERVISOR)).isEqualTo(host.ecx());
        assertThat(guest.eax()).isEqualTo(host.eax());
        assertThat(guest.ebx() & 0xFFFF).as("brand index and CLFLUSH size kept").isEqualTo(host.ebx() & 0xFFFF);
        assertThat(bits(guest.ebx(), 23, 16)).as("logical processors per package").isEqualTo(vcpus);
        assertThat(guest.edx() & ~EDX_HTT).isEqualTo(host.edx() & ~EDX_HTT);
    }

    @Test
    void httOnlyWithMoreThanOneVcpu() {
        for (boolean hostHtt : new boolean[] {true, false}) {
            assertThat(leaf(new CpuTopology(supported(hostHtt), 1).cpuidFor(0), 0x1, 0).edx() & EDX_HTT)
                    .as("1 vCPU, host HTT %s", hostHtt).isZero();
            assertThat(leaf(new CpuTopology(supported(hostHtt), 2).cpuidFor(1), 0x1, 0).edx() & EDX_HTT)
                    .as("2 vCPUs, host HTT %s", hostHtt).isEqualTo(EDX_HTT);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 8, 9, 17, 255})
    void extendedTopologyIsOneThreadPerCoreAndAllCoresInOnePackage(int vcpus) {
        CpuTopology topology = new CpuTopology(supported(true), vcpus);
        for (int leafNumber : new int[] {0xB, 0x1F}) {
            for (int apicId : new int[] {0, vcpus - 1}) {
                List<CpuidEntry> cpuid = topology.cpuidFor(apicId);
                CpuidEntry smt = leaf(cpuid, leafNumber, 0);
                assertThat(bits(smt.ecx(), 15, 8)).as("0x%x.0 level type SMT", leafNumber).isEqualTo(1);
                assertThat(bits(smt.ecx(), 7, 0)).as("level number").isEqualTo(0);
                assertThat(bits(smt.eax(), 4, 0)).as("SMT shift: one thread per core").isEqualTo(0);
                assertThat(bits(smt.ebx(), 15, 0)).as("threads per core").isEqualTo(1);

                CpuidEntry core = leaf(cpuid, leafNumber, 1);
                assertThat(bits(core.ecx(), 15, 8)).as("0x%x.1 level type core", leafNumber).isEqualTo(2);
                assertThat(bits(core.ecx(), 7, 0)).as("level number").isEqualTo(1);
                assertThat(bits(core.ebx(), 15, 0)).as("logical processors in the package").isEqualTo(vcpus);
                int shift = bits(core.eax(), 4, 0);
                assertThat(1L << shift).as("core shift %d covers %d vCPUs", shift, vcpus).isGreaterThanOrEqualTo(vcpus);
                if (vcpus > 1) {
                    assertThat(1L << (shift - 1)).as("core shift %d is the smallest for %d vCPUs", shift, vcpus)
                            .isLessThan(vcpus);
                } else {
                    assertThat(shift).isLessThanOrEqualTo(1);
                }
                assertThat(apicId >>> shift).as("package id of APIC id %d", apicId).isZero();
            }
        }
        CpuidEntry invalid = leaf(topology.cpuidFor(0), 0xB, 2);
        assertThat(bits(invalid.ecx(), 15, 8)).as("0xB.2 level type invalid: the end of the list").isZero();
        assertThat(bits(invalid.ecx(), 7, 0)).isEqualTo(2);
        assertThat(invalid.eax()).isZero();
        assertThat(invalid.ebx()).isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 6, 16, 255})
    void amdLeavesDescribeTheSameTopology(int vcpus) {
        CpuTopology topology = new CpuTopology(supported(true), vcpus);
        CpuidEntry hostSizes = leaf(supported(true), 0x8000_0008, 0);
        CpuidEntry sizes = leaf(topology.cpuidFor(0), 0x8000_0008, 0);
        assertThat(bits(sizes.ecx(), 7, 0)).as("0x80000008 ECX NC = cores - 1").isEqualTo(vcpus - 1);
        int apicIdSize = bits(sizes.ecx(), 15, 12);
        assertThat(1L << apicIdSize).as("ApicIdCoreIdSize %d", apicIdSize).isGreaterThanOrEqualTo(vcpus);
        assertThat(sizes.ecx() & ~0xF0FF).as("other 0x80000008 ECX bits kept").isEqualTo(hostSizes.ecx() & ~0xF0FF);
        assertThat(sizes.eax()).as("address sizes kept").isEqualTo(hostSizes.eax());
        assertThat(sizes.ebx()).isEqualTo(hostSizes.ebx());

        for (int apicId = 0; apicId < vcpus; apicId += Math.max(1, vcpus / 3)) {
            CpuidEntry ext = leaf(topology.cpuidFor(apicId), 0x8000_001E, 0);
            assertThat(ext.eax()).as("extended APIC id").isEqualTo(apicId);
            assertThat(bits(ext.ebx(), 7, 0)).as("core id").isEqualTo(apicId & 0xFF);
            assertThat(bits(ext.ebx(), 15, 8)).as("threads per core - 1").isZero();
            assertThat(bits(ext.ecx(), 7, 0)).as("node id").isZero();
            assertThat(bits(ext.ecx(), 10, 8)).as("nodes per processor - 1").isZero();
        }
    }

    @Test
    void otherLeavesPassThroughUnchangedInTheSameOrder() {
        List<CpuidEntry> host = supported(true);
        List<CpuidEntry> guest = new CpuTopology(host, 4).cpuidFor(3);
        assertThat(guest).hasSameSizeAs(host);
        for (int i = 0; i < host.size(); i++) {
            CpuidEntry h = host.get(i);
            CpuidEntry g = guest.get(i);
            assertThat(g.function()).isEqualTo(h.function());
            assertThat(g.index()).isEqualTo(h.index());
            assertThat(g.flags()).as("flags of 0x%x.%d", h.function(), h.index()).isEqualTo(h.flags());
            if (!List.of(0x1, 0xB, 0x1F, 0x8000_0008, 0x8000_001E).contains(h.function())) {
                assertThat(g).as("leaf 0x%x.%d", h.function(), h.index()).isEqualTo(h);
            }
        }
        assertThat(guest).as("kvmclock leaves kept").contains(leaf(host, 0x4000_0000, 0), leaf(host, 0x4000_0001, 0));
    }

    @Test
    void aHostWithoutTopologyLeavesGetsNoneInvented() {
        List<CpuidEntry> host = List.of(new CpuidEntry(0x0, 0, 0, 0xD, 0, 0, 0), new CpuidEntry(0x1, 0, 0, 0, 0, 0, 0));
        List<CpuidEntry> guest = new CpuTopology(host, 2).cpuidFor(1);
        assertThat(guest).extracting(CpuidEntry::function).containsExactly(0x0, 0x1);
        assertThat(bits(leaf(guest, 0x1, 0).ebx(), 31, 24)).isEqualTo(1);
    }
}
