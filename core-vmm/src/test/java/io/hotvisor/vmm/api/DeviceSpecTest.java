package io.hotvisor.vmm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceSpecTest {
    @Test
    void readsQemusDeviceSyntaxWithDoubledCommas() {
        DeviceSpec spec = DeviceSpec.parse("virtio-blk-pci,id=disk0,file=/images/a,,b.raw,readonly=on");

        assertThat(spec.driver()).isEqualTo("virtio-blk-pci");
        assertThat(spec.id()).isEqualTo("disk0");
        assertThat(spec.properties()).containsExactlyInAnyOrderEntriesOf(Map.of("file", "/images/a,b.raw", "readonly", "on"));
        assertThat(DeviceSpec.parse(spec.toString())).isEqualTo(spec);
        assertThat(DeviceSpec.parse("virtio-rng-pci").id()).isNull();
    }

    @Test
    void malformedDescriptionsAreOneLineErrors() {
        assertThatThrownBy(() -> DeviceSpec.parse("id=x")).hasMessageContaining("must start with the driver name");
        assertThatThrownBy(() -> DeviceSpec.parse("virtio-rng-pci,fast")).hasMessageContaining("'fast' is not KEY=VALUE");
        assertThatThrownBy(() -> DeviceSpec.parse("virtio-rng-pci,a=1,a=2")).hasMessageContaining("property a given twice");
    }

    @Test
    void aSpecsBootDevicesFollowTheirIndexAndNeedDistinctIds() {
        VmSpec spec = new VmSpec("vm", "/k", null, "", 1, 1, 64L << 20,
                Map.of("device.10", "virtio-rng-pci", "device.2", "virtio-blk-pci,id=d,file=/x"));

        assertThat(spec.bootDevices()).extracting(DeviceSpec::id).containsExactly("d", "virtio-rng-pci10");
        assertThatThrownBy(() -> new VmSpec("vm", "/k", null, "", 1, 1, 64L << 20,
                Map.of("device.0", "virtio-rng-pci,id=r", "device.1", "virtio-blk-pci,id=r")).validate())
                .hasMessageContaining("two boot devices have the same id");
        assertThatThrownBy(() -> new VmSpec("vm", "/k", null, "", 1, 1, 64L << 20, Map.of("device.x", "virtio-rng-pci"))
                .bootDevices()).hasMessageContaining("option device.x");
    }
}
