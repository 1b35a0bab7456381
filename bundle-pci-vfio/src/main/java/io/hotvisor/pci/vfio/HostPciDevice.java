package io.hotvisor.pci.vfio;

import java.nio.file.Path;
import java.util.List;

/**
 * A host PCI function as sysfs shows it.
 *
 * @param address   its name in sysfs, {@code 0000:00:03.0}
 * @param directory its sysfs directory
 * @param vendorId  PCI vendor id
 * @param deviceId  PCI device id
 * @param classCode class, subclass and programming interface, as 0xCCSSPP
 * @param driver    the host driver bound to it; empty when none is
 * @param group     its IOMMU group number; -1 without an IOMMU
 * @param groupMates the other functions of its IOMMU group
 */
public record HostPciDevice(String address, Path directory, int vendorId, int deviceId, int classCode, String driver,
                            int group, List<String> groupMates) {
    public static final String VFIO_PCI = "vfio-pci";

    public HostPciDevice {
        groupMates = List.copyOf(groupMates);
    }

    public boolean boundToVfio() {
        return VFIO_PCI.equals(driver);
    }
}
