package io.hotvisor.qmp.hmp;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VcpuRegisters;
import io.hotvisor.vmm.api.VmException;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class HmpInfoRegistersTest {
    /** CPUs 0 and 2 plugged (RAX holds the id), 1 absent; CPU 2's read fails when asked to. */
    private static VcpuControl cpus(boolean cpu2Fails) {
        return new VcpuControl() {
            @Override
            public int maxVcpus() {
                return 3;
            }

            @Override
            public List<VcpuInfo> list() {
                return List.of(get(0), get(1), get(2));
            }

            @Override
            public VcpuInfo get(int id) {
                return new VcpuInfo(id, 0, id, 0, id == 1 ? VcpuInfo.State.ABSENT : VcpuInfo.State.ONLINE, 0);
            }

            @Override
            public VcpuRegisters registers(int id) {
                if (id == 1 || id == 2 && cpu2Fails) {
                    throw new VmException("CPU " + id + " did not leave KVM_RUN within 10 s");
                }
                List<Long> general = LongStream.rangeClosed(1, 16).map(r -> r == 1 ? id : 0).boxed().toList();
                return new VcpuRegisters(general, 0x100000 + id, 2, 0x10, 0x80000011L, 0, 0x9000, 0x20, 0x500, false);
            }

            @Override
            public void plug(int id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void park(int id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void setState(int id, VcpuInfo.State state) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void theFirstCpuWithCrLfLines() {
        String out = HmpCommands.infoRegisters(cpus(false), false);
        assertThat(out).startsWith("RAX=0000000000000000 RBX=").contains("\r\nRIP=0000000000100000 RFL=00000002 [-------] CPL=0 HLT=0\r\n")
                .endsWith("EFER=0000000000000500\r\n").doesNotContain("CPU#").doesNotContain("\r\n\r\n");
        assertThat(out.replace("\r\n", "")).doesNotContain("\n");
    }

    @Test
    void allPluggedCpusEachUnderItsNumberAndOneThatFailsSaysWhy() {
        assertThat(HmpCommands.infoRegisters(cpus(false), true)).startsWith("\r\nCPU#0\r\nRAX=0000000000000000 ")
                .contains("\r\nCPU#2\r\nRAX=0000000000000002 ").doesNotContain("CPU#1");
        assertThat(HmpCommands.infoRegisters(cpus(true), true)).contains("RIP=0000000000100000")
                .endsWith("\r\nCPU#2\r\nCPU 2 did not leave KVM_RUN within 10 s\r\n");
    }
}
