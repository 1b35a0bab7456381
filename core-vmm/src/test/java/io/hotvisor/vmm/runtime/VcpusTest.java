package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.arch.BootMsrs;
import io.hotvisor.vmm.arch.CpuTopology;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.kvm.FakeVcpuFd;
import io.hotvisor.vmm.kvm.KvmException;
import io.hotvisor.vmm.kvm.VcpuFd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plugs that fail or come too late, with vCPUs whose every ioctl fails (no KVM needed). */
class VcpusTest {
    private final List<VcpuFd> created = new ArrayList<>();
    private final Vcpus vcpus = new Vcpus("test", 4, id -> {
        VcpuFd vcpu = FakeVcpuFd.create(id);
        created.add(vcpu);
        return vcpu;
    }, new CpuTopology(List.of(), 4), new BootMsrs(new int[0]), new IoBus<PioDevice>("pio"), new IoBus<MmioDevice>("mmio"),
            new NoEvents());

    /** Audit row 14: KVM cannot destroy the vCPU, so a second plug sets up the same fd again, instead of a NullPointerException. */
    @Test
    void row14PlugThatFailsHalfWayLeavesTheIdReusable() {
        vcpus.start();

        assertThatThrownBy(() -> vcpus.plug(1)).isInstanceOf(KvmException.class).hasMessageContaining("KVM_SET_CPUID2");
        assertThat(vcpus.get(1).state()).isEqualTo(VcpuInfo.State.ABSENT);
        assertThat(vcpus.get(1).plugged()).isFalse();

        assertThatThrownBy(() -> vcpus.plug(1)).isInstanceOf(KvmException.class).hasMessageContaining("KVM_SET_CPUID2");
        assertThat(created).hasSize(1);

        vcpus.close();
        assertThatThrownBy(created.get(0)::fd).hasMessageContaining("closed");
    }

    /** Audit row 15: a plug after the stop began would never be closed, so it is refused. */
    @Test
    void row15PlugDuringStopIsRefused() {
        vcpus.start();
        vcpus.close();

        assertThatThrownBy(() -> vcpus.plug(1)).isInstanceOf(VmException.class).hasMessageContaining("test is stopping");
        assertThat(created).isEmpty();
    }

    private static final class NoEvents implements GuestEvents {
        @Override
        public void resetRequested(String why) {
        }

        @Override
        public void shutdownRequested(String why) {
        }

        @Override
        public void failed(String why) {
        }
    }
}
