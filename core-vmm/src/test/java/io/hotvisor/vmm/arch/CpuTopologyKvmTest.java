package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.hotvisor.vmm.kvm.CpuidEntry;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import io.hotvisor.vmm.testing.KvmTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CpuTopology} against the host's real KVM_GET_SUPPORTED_CPUID. */
@KvmTest
class CpuTopologyKvmTest {
    @Test
    void kvmAcceptsTheCpuidOfEveryVcpu() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm()) {
            vm.createIrqchip();
            List<CpuidEntry> supported = kvm.supportedCpuid();
            assertThat(supported).anyMatch(e -> e.function() == 0x1);
            CpuTopology topology = new CpuTopology(supported, 3);
            for (int id = 0; id < 3; id++) {
                List<CpuidEntry> cpuid = topology.cpuidFor(id);
                CpuidEntry leaf1 = cpuid.stream().filter(e -> e.function() == 0x1).findFirst().orElseThrow();
                assertThat(leaf1.ebx() >>> 24).isEqualTo(id);
                assertThat(leaf1.ecx() & (1 << 24)).isNotZero();
                assertThat(leaf1.ecx() & (1 << 31)).isNotZero();
                try (VcpuFd vcpu = vm.createVcpu(id)) {
                    assertThatCode(() -> vcpu.setCpuid(cpuid)).as("vCPU %d", id).doesNotThrowAnyException();
                }
            }
        }
    }
}
