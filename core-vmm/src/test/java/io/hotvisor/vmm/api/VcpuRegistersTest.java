package io.hotvisor.vmm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class VcpuRegistersTest {
    /** RAX = 1 .. R15 = 16, so a register printed in the wrong place shows. */
    static VcpuRegisters sample(boolean halted) {
        List<Long> general = LongStream.rangeClosed(1, 16).boxed().toList();
        return new VcpuRegisters(general, 0x102692, 0x246, 0x10, 0x80000011L, 0, 0x9000, 0x20, 0x500, halted);
    }

    @Test
    void formatFollowsQemusLayout() {
        assertThat(sample(true).format()).isEqualTo(""
                + "RAX=0000000000000001 RBX=0000000000000002 RCX=0000000000000003 RDX=0000000000000004\n"
                + "RSI=0000000000000005 RDI=0000000000000006 RBP=0000000000000007 RSP=0000000000000008\n"
                + "R8 =0000000000000009 R9 =000000000000000a R10=000000000000000b R11=000000000000000c\n"
                + "R12=000000000000000d R13=000000000000000e R14=000000000000000f R15=0000000000000010\n"
                + "RIP=0000000000102692 RFL=00000246 [---Z-P-] CPL=0 HLT=1\n"
                + "CS =0010\n"
                + "CR0=80000011 CR2=0000000000000000 CR3=0000000000009000 CR4=00000020\n"
                + "EFER=0000000000000500\n");
    }

    @Test
    void everyFlagLetterAndTheUserPrivilegeLevel() {
        VcpuRegisters user = new VcpuRegisters(sample(false).general(), 0, 0xfd5, 0x33, 0, 0, 0, 0, 0, false);
        assertThat(user.format()).contains("RFL=00000fd5 [DOSZAPC] CPL=3 HLT=0\nCS =0033\n");
    }

    @Test
    void sixteenGeneralRegistersOrNone() {
        assertThatThrownBy(() -> new VcpuRegisters(List.of(1L), 0, 0, 0, 0, 0, 0, 0, 0, false))
                .hasMessage("expected 16 general registers, got 1");
    }
}
