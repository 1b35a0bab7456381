package io.hotvisor.vmm.api.vfio;

import java.nio.file.Path;

/**
 * Opens host devices bound to {@code vfio-pci} (a core service, so the fds outlive an update of
 * the device bundle). The legacy container/group uAPI with the type1 IOMMU: the iommufd cdev needs
 * Linux 6.6, newer than the Debian 6.1 kernels Hotvisor runs on.
 */
public interface HostVfio {
    /**
     * Opens {@code groupFile} ({@code /dev/vfio/N}), which must be viable, in a container of its
     * own with the type1 IOMMU, and the device {@code deviceName} (its PCI address, as sysfs names
     * it) in it. Fails with a one-line {@link io.hotvisor.vmm.api.VmException} that names the
     * cause; nothing stays open then.
     */
    VfioDevice open(Path groupFile, String deviceName);
}
