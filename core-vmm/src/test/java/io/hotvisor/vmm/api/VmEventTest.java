package io.hotvisor.vmm.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class VmEventTest {
    @Test
    void payloadsCarryQmpNamesAndDataInQemuKeyOrder() {
        VmEvent shutdown = VmEvent.now("a", new VmEvent.Shutdown(true, "guest-shutdown"));
        assertThat(shutdown.type()).isEqualTo("SHUTDOWN");
        assertThat(shutdown.topic()).isEqualTo("io/hotvisor/vm/SHUTDOWN");
        assertThat(List.copyOf(shutdown.data().keySet())).containsExactly("guest", "reason");

        VmEvent.OstInfo info = new VmEvent.OstInfo("cpu2", "2", "CPU", 1, 0);
        assertThat(List.copyOf(new VmEvent.AcpiDeviceOst(info).qmpData().keySet())).containsExactly("info");
        assertThat(List.copyOf(info.qmpData().keySet())).containsExactly("device", "source", "status", "slot", "slot-type");
        assertThat(new VmEvent.OstInfo(null, "2", "CPU", 3, 0).qmpData()).doesNotContainKey("device");
    }

    @Test
    void deviceDeletedOfADeviceWithoutIdHasOnlyItsPath() {
        assertThat(new VmEvent.DeviceDeleted(null, "/machine/unattached/device[3]").qmpData())
                .containsOnlyKeys("path");
        assertThat(List.copyOf(new VmEvent.DeviceDeleted("d1", "/machine/peripheral/d1").qmpData().keySet()))
                .containsExactly("device", "path");
    }
}
