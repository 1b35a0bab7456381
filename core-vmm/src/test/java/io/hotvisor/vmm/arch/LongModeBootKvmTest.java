package io.hotvisor.vmm.arch;

import static io.hotvisor.vmm.arch.VcpuReadback.flagByte;
import static io.hotvisor.vmm.arch.VcpuReadback.present;
import static io.hotvisor.vmm.arch.VcpuReadback.selector;
import static io.hotvisor.vmm.arch.VcpuReadback.type;
import static io.hotvisor.vmm.arch.VcpuReadback.withVcpu;
import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmRegs;
import io.hotvisor.vmm.kvm.KvmSregs;
import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.Test;

/** The state {@link LongModeBoot} puts into a real vCPU, read back from KVM, agrees with the boot GDT. */
@KvmTest
class LongModeBootKvmTest {
    @Test
    void enter64LeavesTheVcpuInLongModeWithSegmentsMatchingTheGdt() {
        withVcpu(vcpu -> {
            long apicBase = vcpu.sregs().get(KvmAbi.SREGS_APIC_BASE);
            LongModeBoot.enter64(vcpu, GuestAddress.of(0x100200), Layout.ZERO_PAGE);
            LongModeBoot.resetFpuAndLapic(vcpu);

            KvmSregs sregs = vcpu.sregs();
            assertThat(sregs.get(KvmAbi.SREGS_CR0) & 0x8000_0001L).as("CR0.PG|PE").isEqualTo(0x8000_0001L);
            assertThat(sregs.get(KvmAbi.SREGS_CR4) & (1 << 5)).as("CR4.PAE").isNotZero();
            assertThat(sregs.get(KvmAbi.SREGS_EFER) & 0x500).as("EFER.LME|LMA").isEqualTo(0x500);
            assertThat(sregs.get(KvmAbi.SREGS_CR3)).isEqualTo(Layout.PML4.value());
            assertThat(sregs.get(KvmAbi.SREGS_APIC_BASE)).as("apic_base kept").isEqualTo(apicBase);
            assertThat(sregs.get(KvmAbi.SREGS_GDT + KvmAbi.DTABLE_BASE)).isEqualTo(Layout.BOOT_GDT.value());
            assertThat(sregs.get(KvmAbi.SREGS_GDT + KvmAbi.DTABLE_LIMIT) & 0xFFFF)
                    .isEqualTo(8L * LongModeBoot.GDT.length - 1);

            int cs = KvmAbi.SREGS_CS;
            LongModeBootTest.Descriptor code = LongModeBootTest.Descriptor.decode(LongModeBoot.GDT[LongModeBoot.BOOT_CS / 8]);
            assertThat(selector(sregs, cs)).isEqualTo(LongModeBoot.BOOT_CS);
            assertThat(type(sregs, cs)).isEqualTo(code.type());
            assertThat(present(sregs, cs)).isTrue();
            assertThat(flagByte(sregs, cs, KvmAbi.SEG_L)).as("CS.L").isEqualTo(1);
            assertThat(flagByte(sregs, cs, KvmAbi.SEG_DB)).as("CS.D").isZero();
            assertThat(flagByte(sregs, cs, KvmAbi.SEG_S)).isEqualTo(1);

            LongModeBootTest.Descriptor data = LongModeBootTest.Descriptor.decode(LongModeBoot.GDT[LongModeBoot.BOOT_DS / 8]);
            for (int seg : new int[] {KvmAbi.SREGS_DS, KvmAbi.SREGS_ES, KvmAbi.SREGS_SS}) {
                assertThat(selector(sregs, seg)).isEqualTo(LongModeBoot.BOOT_DS);
                assertThat(type(sregs, seg)).isEqualTo(data.type());
                assertThat(flagByte(sregs, seg, KvmAbi.SEG_DB)).isEqualTo(1);
                assertThat(flagByte(sregs, seg, KvmAbi.SEG_L)).isZero();
            }

            KvmRegs regs = vcpu.regs();
            assertThat(regs.get(KvmAbi.REGS_RIP)).isEqualTo(0x100200);
            assertThat(regs.get(KvmAbi.REGS_RSI)).isEqualTo(Layout.ZERO_PAGE.value());
            assertThat(regs.get(KvmAbi.REGS_RFLAGS) & (1 << 9)).as("interrupts off").isZero();

            byte[] lapic = vcpu.lapic();
            assertThat(lvtDeliveryMode(lapic, KvmAbi.APIC_LVT_LINT0)).as("LINT0 ExtINT").isEqualTo(7);
            assertThat(lvtDeliveryMode(lapic, KvmAbi.APIC_LVT_LINT1)).as("LINT1 NMI").isEqualTo(4);
        });
    }

    private static int lvtDeliveryMode(byte[] lapic, int register) {
        int value = (lapic[register] & 0xFF) | (lapic[register + 1] & 0xFF) << 8;
        return (value >>> 8) & 7;
    }
}
