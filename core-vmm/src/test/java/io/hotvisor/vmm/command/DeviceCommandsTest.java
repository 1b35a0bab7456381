package io.hotvisor.vmm.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceSpec;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.PluggedDevice.State;
import io.hotvisor.vmm.api.VmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What device:list prints and how device:add reads its words; the commands themselves only call the device manager. */
class DeviceCommandsTest {
    @Test
    void theListHasARowPerDeviceWithItsStateAndSortedProperties() {
        Map<PluggedDevice, DeviceDescription> described = new LinkedHashMap<>();
        described.put(new PluggedDevice("disk0", "/machine/peripheral/disk0", "virtio-blk-pci",
                Map.of("readonly", "on", "file", "/images/a.img"), State.PRESENT), new DeviceDescription("00:03.0", Map.of()));
        described.put(new PluggedDevice("rng0", "/machine/peripheral/rng0", "virtio-rng-pci", Map.of(), State.REMOVING),
                DeviceDescription.NONE);
        described.put(new PluggedDevice(null, "/machine/peripheral-anon/device[0]", "host-x86_64-cpu",
                Map.of("core-id", 2), State.DRIVER_GONE), DeviceDescription.NONE);

        assertThat(DeviceList.table(described).lines()).containsExactly(
                "ID               DRIVER               ADDRESS   STATE       PROPERTIES",
                "disk0            virtio-blk-pci       00:03.0   present     file=/images/a.img readonly=on",
                "rng0             virtio-rng-pci       -         removing    -",
                "/machine/peripheral-anon/device[0] host-x86_64-cpu      -         driver-gone core-id=2");
    }

    @Test
    void anEmptyListIsTheHeaderAlone() {
        assertThat(DeviceList.table(Map.of()).lines())
                .containsExactly("ID               DRIVER               ADDRESS   STATE       PROPERTIES");
    }

    @Test
    void addReadsIdAndPropertiesFromKeyValueWords() {
        DeviceSpec device = DeviceAdd.spec("virtio-blk-pci", List.of("file=/images/a,b.img", "id=disk1", "readonly=on"));

        assertThat(device.driver()).isEqualTo("virtio-blk-pci");
        assertThat(device.id()).isEqualTo("disk1");
        assertThat(device.properties()).isEqualTo(Map.of("file", "/images/a,b.img", "readonly", "on"));
    }

    @Test
    void addNeedsAnIdAndKeyValueWords() {
        assertThatThrownBy(() -> DeviceAdd.spec("virtio-rng-pci", List.of("max-bytes=1024")))
                .isInstanceOf(VmException.class).hasMessage("device:add virtio-rng-pci: name the device with id=ID");
        assertThatThrownBy(() -> DeviceAdd.spec("virtio-rng-pci", List.of("id=rng1", "fast")))
                .isInstanceOf(VmException.class).hasMessageContaining("'fast' is not KEY=VALUE");
        assertThatThrownBy(() -> DeviceAdd.spec("virtio-rng-pci", List.of("id=rng1", "period=5", "period=6")))
                .isInstanceOf(VmException.class).hasMessageContaining("property period given twice");
    }
}
