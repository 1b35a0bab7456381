package io.hotvisor.pci.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.pci.vfio.FakeSysfs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PciAssignableTest {
    @TempDir
    Path root;

    @Test
    void listsTheDevicesBoundToVfioWithTheirGroupsStatesAndRefusals() {
        FakeSysfs host = new FakeSysfs(root).function("0000:00:03.0").function("0000:00:04.0").function("0000:00:04.1")
                .function("0000:00:05.0").function("0000:00:06.0")
                .bind("0000:00:03.0", "vfio-pci").bind("0000:00:04.0", "vfio-pci").bind("0000:00:04.1", "e1000e")
                .bind("0000:00:05.0", "vfio-pci").bind("0000:00:06.0", "ahci")
                .group(7, "0000:00:03.0").group(8, "0000:00:04.0", "0000:00:04.1").group(9, "0000:00:05.0")
                .vfioNodes(7, 8, 9);

        String table = PciAssignable.table(host.devices(), Map.of("0000:00:05.0", "VM web, device nic0"));

        assertThat(table.lines()).containsExactly(
                "HOST          VEN:DEV    CLASS   GROUP  STATE       GROUP-MATES / ASSIGNED TO",
                "0000:00:03.0  1af4:1041  020000  7      assignable  -",
                "0000:00:04.0  1af4:1041  020000  8      blocked     0000:00:04.1",
                "0000:00:05.0  1af4:1041  020000  9      assigned    VM web, device nic0",
                "vfio-pci: IOMMU group 8 of 0000:00:04.0 is not viable: 0000:00:04.1 (bound to e1000e) must be bound"
                        + " to vfio-pci too, or unbound");
    }

    @Test
    void saysHowToBindWhenNothingIsBound() {
        FakeSysfs host = new FakeSysfs(root).function("0000:00:03.0").bind("0000:00:03.0", "virtio-pci");
        assertThat(PciAssignable.table(host.devices(), Map.of())).startsWith("no host PCI device is bound to vfio-pci");
    }
}
