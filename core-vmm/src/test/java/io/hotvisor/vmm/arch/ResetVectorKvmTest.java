package io.hotvisor.vmm.arch;

import static io.hotvisor.vmm.arch.VcpuReadback.withVcpu;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.kvm.VcpuExit;
import io.hotvisor.vmm.memory.GuestRam;
import io.hotvisor.vmm.memory.MmapRegion;
import io.hotvisor.vmm.testing.KvmTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a guest that jumps to F000:FFF0 to reboot (Linux's BIOS reboot) runs into: a reset request. */
@KvmTest
class ResetVectorKvmTest {
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without the stub the vCPU runs zeros forever
    void aRealModeJumpToTheResetVectorAsksTheI8042ForAReset() {
        try (GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(1L << 20))) {
            ResetVector.writeTo(ram);
            withVcpu((vm, vcpu) -> {
                MmapRegion region = ram.bootRegions().get(0);
                vm.setUserMemoryRegion(0, region.start().value(), region.size(), region.hostAddress());
                // Where "ljmp $0xf000, $0xfff0" in real mode leaves the vCPU.
                KvmSregs sregs = vcpu.sregs();
                sregs.segment(KvmAbi.SREGS_CS, new KvmSregs.Segment(0xF0000, 0xFFFF, 0xF000, 0xB, true, 0,
                        false, true, false, false));
                vcpu.setSregs(sregs);
                vcpu.setRegs(vcpu.regs().set(KvmAbi.REGS_RIP, 0xFFF0).set(KvmAbi.REGS_RFLAGS, 2));

                VcpuExit exit = vcpu.run();

                assertThat(exit).isInstanceOf(VcpuExit.Io.class);
                VcpuExit.Io io = (VcpuExit.Io) exit;
                byte[] value = new byte[1];
                io.copyOut(0, value);
                assertThat(io.isOut()).isTrue();
                assertThat(io.port()).isEqualTo(Layout.PORT_I8042_COMMAND);
                assertThat(value[0]).as("the i8042's pulse-reset command").isEqualTo((byte) 0xFE);
            });
        }
    }
}
