package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.RegionListener;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps all guest RAM mapped for the device's DMA at its guest physical addresses (the IOVA is
 * the GPA, as the guest has no IOMMU): boot RAM when the listener is added, DIMMs as they are
 * plugged, and unmapped when they are unplugged, before their host memory goes. A region that
 * cannot be mapped when the device is added fails the add; one plugged later is logged, since
 * the memory hotplug itself must not fail for it.
 */
final class DmaMap implements RegionListener {
    private static final Logger LOG = LoggerFactory.getLogger(DmaMap.class);

    private final VfioDevice device;
    private volatile boolean attached;

    DmaMap(VfioDevice device) {
        this.device = device;
    }

    /** From now on a region that cannot be mapped is logged rather than thrown. */
    void attached() {
        attached = true;
    }

    @Override
    public void added(GuestRegion region) {
        try {
            device.dmaMap(region.base().value(), region.size(), region.hostAddress());
        } catch (VmException e) {
            if (!attached) {
                throw new VmException(device.name() + ": guest RAM at " + region.base() + " cannot be mapped for DMA"
                        + " (is RLIMIT_MEMLOCK large enough for all guest RAM?): " + e.getMessage(), e);
            }
            LOG.error("{}: plugged RAM at {} is not mapped for DMA; the device cannot reach it: {}", device.name(),
                    region.base(), e.getMessage());
        }
    }

    @Override
    public void removed(GuestRegion region) {
        try {
            device.dmaUnmap(region.base().value(), region.size());
        } catch (VmException e) {
            LOG.error("{}: unplugged RAM at {} could not be unmapped for DMA: {}", device.name(), region.base(),
                    e.getMessage());
        }
    }
}
