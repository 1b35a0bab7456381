package io.hotvisor.pci.vfio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal of a host device, each naming its cure, driven by a fake sysfs tree. */
class HostPciDevicesTest {
    private static final String NIC = "0000:00:03.0";
    private static final String DRIVER = "vfio-pci";

    @TempDir
    Path root;

    private Path check(FakeSysfs fake, String host) {
        HostPciDevices devices = fake.devices();
        return devices.checkAssignable(DRIVER, devices.byAddress(DRIVER, host));
    }

    @Test
    void aDeviceBoundToVfioAloneInItsGroupIsAssignable() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).bind(NIC, "vfio-pci").group(7, NIC).vfioNodes(7);
        assertThat(check(fake, "00:03.0")).isEqualTo(fake.devVfio.resolve("7"));
        HostPciDevice nic = fake.devices().byAddress(DRIVER, NIC);
        assertThat(nic.vendorId()).isEqualTo(0x1af4);
        assertThat(nic.deviceId()).isEqualTo(0x1041);
        assertThat(nic.classCode()).isEqualTo(0x020000);
        assertThat(nic.group()).isEqualTo(7);
        assertThat(nic.groupMates()).isEmpty();
    }

    @Test
    void sysfsdevNamesTheDeviceByItsDirectory() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).bind(NIC, "vfio-pci").group(7, NIC).vfioNodes(7);
        HostPciDevice nic = fake.devices().bySysfsPath(DRIVER, fake.sysfs.resolve("bus/pci/devices/" + NIC).toString());
        assertThat(nic.address()).isEqualTo(NIC);
        assertThatThrownBy(() -> fake.devices().bySysfsPath(DRIVER, root.resolve("nowhere").toString()))
                .isInstanceOf(VmException.class).hasMessageContaining("is not a PCI device directory in sysfs");
    }

    @Test
    void noDevVfioNamesTheModulesToLoad() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).bind(NIC, "vfio-pci").group(7, NIC);
        assertThatThrownBy(() -> check(fake, NIC)).isInstanceOf(VmException.class)
                .hasMessageContaining("/dev/vfio/vfio does not exist").hasMessageContaining("modprobe vfio-pci");
    }

    @Test
    void aDeviceBoundToAnotherDriverGetsTheSysfsCommandsThatBindIt() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).bind(NIC, "virtio-pci").group(7, NIC).vfioNodes(7);
        String device = fake.sysfs.resolve("bus/pci/devices/" + NIC).toString();
        assertThatThrownBy(() -> check(fake, NIC)).isInstanceOf(VmException.class)
                .hasMessageContaining(NIC + " is bound to virtio-pci, not vfio-pci")
                .hasMessageContaining("echo " + NIC + " > " + device + "/driver/unbind; ")
                .hasMessageContaining("echo vfio-pci > " + device + "/driver_override; ")
                .hasMessageContaining("echo " + NIC + " > " + fake.sysfs.resolve("bus/pci/drivers_probe"))
                .hasMessageNotContaining("\n");
    }

    @Test
    void anUnboundDeviceNeedsNoUnbind() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).group(7, NIC).vfioNodes(7);
        assertThatThrownBy(() -> check(fake, NIC)).hasMessageContaining("is bound to no driver, not vfio-pci")
                .hasMessageNotContaining("unbind").hasMessageContaining("driver_override");
    }

    @Test
    void aGroupThatIsNotViableNamesTheOtherDevices() {
        String sibling = "0000:00:03.1";
        String bridge = "0000:00:1c.0";
        String stub = "0000:00:03.2";
        FakeSysfs fake = new FakeSysfs(root).function(NIC).function(sibling).function(bridge, 0x060400).function(stub)
                .bind(NIC, "vfio-pci").bind(sibling, "e1000e").bind(bridge, "pcieport").bind(stub, "pci-stub")
                .group(7, NIC, sibling, bridge, stub).vfioNodes(7);
        assertThatThrownBy(() -> check(fake, NIC)).isInstanceOf(VmException.class)
                .hasMessage(DRIVER + ": IOMMU group 7 of " + NIC + " is not viable: " + sibling
                        + " (bound to e1000e) must be bound to vfio-pci too, or unbound");
    }

    @Test
    void noIommuGroupMeansNoIommu() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).bind(NIC, "vfio-pci").vfioNodes();
        assertThatThrownBy(() -> check(fake, NIC)).isInstanceOf(VmException.class)
                .hasMessageContaining("has no IOMMU group").hasMessageContaining("intel_iommu=on");
    }

    @Test
    void aMissingDeviceAndABadAddressAreRefused() {
        FakeSysfs fake = new FakeSysfs(root).vfioNodes();
        assertThatThrownBy(() -> check(fake, "00:04.0")).hasMessage(DRIVER + ": the host has no PCI device 0000:00:04.0"
                + " (lspci -D lists them)");
        assertThatThrownBy(() -> check(fake, "eth0")).hasMessageContaining("is not a PCI address");
    }

    @Test
    void aDeviceAlreadyAssignedNamesItsOwner() {
        Assignments assignments = new Assignments();
        assignments.claim(DRIVER, NIC, "VM web, device nic0");
        assertThatThrownBy(() -> assignments.claim(DRIVER, NIC, "VM db, device nic1")).isInstanceOf(VmException.class)
                .hasMessage(DRIVER + ": " + NIC + " is already assigned to VM web, device nic0; remove it there first"
                        + " (device_del)");
        assignments.release(NIC, "VM web, device nic0");
        assignments.claim(DRIVER, NIC, "VM db, device nic1");
    }

    @Test
    void onlyDevicesBoundToVfioAreListedAsAssignable() {
        FakeSysfs fake = new FakeSysfs(root).function(NIC).function("0000:00:04.0").bind(NIC, "vfio-pci")
                .bind("0000:00:04.0", "ahci").group(7, NIC).group(8, "0000:00:04.0");
        assertThat(fake.devices().boundToVfio()).extracting(HostPciDevice::address).containsExactly(NIC);
    }
}
