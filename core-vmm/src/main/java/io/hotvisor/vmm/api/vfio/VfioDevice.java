package io.hotvisor.vmm.api.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import java.util.List;

/**
 * A host device opened through VFIO, with its group and IOMMU container: its regions, its
 * interrupts ({@code VFIO_DEVICE_SET_IRQS} with eventfds) and the DMA maps of its container.
 * Closing it releases the device, then the group and the container; the host may bind the device
 * to another driver again. Failures are one-line {@link io.hotvisor.vmm.api.VmException}s.
 */
public interface VfioDevice extends AutoCloseable {
    /** vfio-pci's fixed region and interrupt indexes. */
    int CONFIG_REGION = 7;
    int ROM_REGION = 6;
    int INTX = 0;
    int MSI = 1;
    int MSIX = 2;

    /** Its PCI address, as sysfs names it ({@code 0000:00:03.0}). */
    String name();

    /** Whether {@code VFIO_DEVICE_RESET} is available (function-level reset or the like). */
    boolean resettable();

    /** Region {@code index}; an unimplemented one has size 0. */
    VfioRegion region(int index);

    /** How many vectors interrupt index {@code index} has (0: none). */
    int irqCount(int index);

    /** Reads {@code data.length} bytes at {@code offset} of the region. */
    void read(VfioRegion region, long offset, byte[] data);

    void write(VfioRegion region, long offset, byte[] data);

    /** Maps {@code size} bytes at {@code offset} of the region (one of its mmap areas, page aligned). */
    HostMapping map(VfioRegion region, long offset, long size);

    /**
     * Vectors 0.. of interrupt {@code index} signal these eventfds from now on (null: that vector
     * has none); enables the interrupt type in the device (MSI, MSI-X, INTx).
     */
    void setTriggers(int index, List<EventNotifier> eventFds);

    /** Turns interrupt type {@code index} off in the device and lets go of its eventfds. */
    void disableTriggers(int index);

    /** Signalling {@code eventFd} unmasks INTx (which VFIO masks on each interrupt): the resample of a level irqfd. */
    void unmaskIntxOn(EventNotifier eventFd);

    void reset();

    /** Lets the device reach {@code size} bytes at {@code hostAddress} at bus address {@code iova}. */
    void dmaMap(long iova, long size, long hostAddress);

    void dmaUnmap(long iova, long size);

    @Override
    void close();
}
