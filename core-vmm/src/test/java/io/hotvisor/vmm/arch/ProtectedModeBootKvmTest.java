package io.hotvisor.vmm.arch;

import static io.hotvisor.vmm.arch.VcpuReadback.base;
import static io.hotvisor.vmm.arch.VcpuReadback.flagByte;
import static io.hotvisor.vmm.arch.VcpuReadback.limit;
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

/** The PVH entry state {@link ProtectedModeBoot} puts into a real vCPU, read back from KVM. */
@KvmTest
class ProtectedModeBootKvmTest {
    @Test
    void enterPvhLeavesTheVcpuInFlat32BitProtectedModeWithEbxAtTheStartInfo() {
        withVcpu(vcpu -> {
            long apicBase = vcpu.sregs().get(KvmAbi.SREGS_APIC_BASE);
            ProtectedModeBoot.enterPvh(vcpu, GuestAddress.of(0x100_0850L), Layout.PVH_START_INFO);

            KvmSregs sregs = vcpu.sregs();
            assertThat(sregs.get(KvmAbi.SREGS_CR0) & ~ProtectedModeBoot.CR0_ET).as("CR0 = PE (caches on, no paging)")
                    .isEqualTo(ProtectedModeBoot.CR0_PE);
            assertThat(sregs.get(KvmAbi.SREGS_CR4)).as("CR4").isZero();
            assertThat(sregs.get(KvmAbi.SREGS_EFER) & 0x500).as("EFER.LME|LMA").isZero();
            assertThat(sregs.get(KvmAbi.SREGS_APIC_BASE)).as("apic_base kept").isEqualTo(apicBase);

            int cs = KvmAbi.SREGS_CS;
            assertThat(base(sregs, cs)).isZero();
            assertThat(limit(sregs, cs)).isEqualTo(0xFFFF_FFFFL);
            assertThat(selector(sregs, cs)).isEqualTo(ProtectedModeBoot.CODE32);
            assertThat(type(sregs, cs)).as("execute/read, accessed").isEqualTo(0xB);
            assertThat(flagByte(sregs, cs, KvmAbi.SEG_DB)).as("CS.D: 32-bit").isEqualTo(1);
            assertThat(flagByte(sregs, cs, KvmAbi.SEG_L)).as("CS.L").isZero();
            for (int seg : new int[] {KvmAbi.SREGS_DS, KvmAbi.SREGS_ES, KvmAbi.SREGS_SS}) {
                assertThat(base(sregs, seg)).isZero();
                assertThat(limit(sregs, seg)).isEqualTo(0xFFFF_FFFFL);
                assertThat(type(sregs, seg)).as("read/write, accessed").isEqualTo(0x3);
                assertThat(flagByte(sregs, seg, KvmAbi.SEG_DB)).isEqualTo(1);
            }
            int tr = KvmAbi.SREGS_TR;
            assertThat(limit(sregs, tr)).isEqualTo(0x67);
            assertThat(type(sregs, tr)).as("busy 32-bit TSS").isEqualTo(0xB);

            KvmRegs regs = vcpu.regs();
            assertThat(regs.get(KvmAbi.REGS_RIP)).isEqualTo(0x100_0850L);
            assertThat(regs.get(KvmAbi.REGS_RBX)).isEqualTo(Layout.PVH_START_INFO.value());
            assertThat(regs.get(KvmAbi.REGS_RFLAGS) & ((1 << 9) | (1 << 8) | (1 << 17))).as("IF, TF, VM clear")
                    .isZero();
        });
    }

    @Test
    void theGdtDescribesTheSameSegments() {
        LongModeBootTest.Descriptor code = LongModeBootTest.Descriptor.decode(ProtectedModeBoot.GDT[ProtectedModeBoot.CODE32 / 8]);
        assertThat(code).extracting("base", "limit", "type", "present", "l", "db", "g")
                .containsExactly(0L, 0xFFFFFL, 0xB, true, false, true, true);
        LongModeBootTest.Descriptor data = LongModeBootTest.Descriptor.decode(ProtectedModeBoot.GDT[ProtectedModeBoot.DATA / 8]);
        assertThat(data).extracting("base", "limit", "type", "present", "db", "g")
                .containsExactly(0L, 0xFFFFFL, 0x3, true, true, true);
        LongModeBootTest.Descriptor tss = LongModeBootTest.Descriptor.decode(ProtectedModeBoot.GDT[ProtectedModeBoot.TSS / 8]);
        assertThat(tss).extracting("base", "limit", "type", "present", "s", "g")
                .containsExactly(0L, 0x67L, 0xB, true, false, false);
    }
}
