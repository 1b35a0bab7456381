package io.hotvisor.memhotplug.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.memhotplug.Dimm;
import io.hotvisor.memhotplug.DimmState;
import io.hotvisor.memhotplug.DimmStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemListTest {
    @Test
    void oneLinePerDimmInColumnsAScriptCanSplit() {
        String table = MemList.table(List.of(
                new DimmStatus(new Dimm(0, "d1", "d1", 0x2_0000_0000L, 256L << 20, true), DimmState.PRESENT),
                new DimmStatus(new Dimm(3, "/machine/peripheral-anon/device[0]", "m1", 0x2_4000_0000L, 1L << 30, false),
                        DimmState.FAILED_REMOVE)));
        assertThat(table.lines()).containsExactly(
                "SLOT ID               BACKEND          BASE               SIZE   STATE",
                "0    d1               d1               0x200000000        256M   present",
                "3    /machine/peripheral-anon/device[0] m1               0x240000000        1G     failed-remove");
        assertThat(table.lines().skip(1).map(line -> line.split("\\s+")))
                .allSatisfy(columns -> assertThat(columns).hasSize(6));
        assertThat(MemList.table(List.of()).lines()).hasSize(1);
        assertThat(DimmState.PENDING_ADD.label()).isEqualTo("pending-add");
        assertThat(DimmState.PENDING_REMOVE.label()).isEqualTo("pending-remove");
    }
}
