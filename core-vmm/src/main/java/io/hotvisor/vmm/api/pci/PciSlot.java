package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import java.util.OptionalLong;

/** A device's place on a VM's PCI bus, as {@link PciBus#plug} hands it out. */
public interface PciSlot extends AutoCloseable {
    PciAddress address();

    PciDevice device();

    /**
     * The device's INTx line (the pin its configuration declares), shared with other slots as the
     * host bridge's {@code _PRT} says. Setting it also sets the status register's interrupt bit;
     * while the guest has INTx disabled in the command register the line stays low.
     */
    InterruptLine intx();

    /**
     * Where BAR {@code bar} decodes now; empty while the guest has decoding off or the BAR holds
     * no usable address (what QEMU's {@code query-pci} reports as address -1).
     */
    OptionalLong mappedAddress(int bar);

    /**
     * Makes {@code size} bytes at {@code offset} of memory BAR {@code bar} the host memory at
     * {@code hostAddress} (a device's mmap'ed region): a KVM memory slot that follows the BAR
     * wherever the guest puts it while decoding is on, so guest accesses there never exit. The rest
     * of the BAR stays with {@link PciDevice#readBar}/{@link PciDevice#writeBar}, which also get
     * these bytes if the slot cannot be set (the guest moved the BAR over something else). All
     * three values must be page aligned and the range inside the BAR, apart from the BAR's other
     * ranges. The caller keeps the host memory mapped until it closes the registration, which
     * removes the slot; taking the device off the bus removes it too. A bus without KVM memory
     * slots (a test's) refuses.
     */
    default Registration mapHostMemory(int bar, long offset, long size, long hostAddress) {
        throw new VmException("not supported: " + address() + " sits on a bus that cannot map host memory into BARs");
    }

    /** Takes the device off the bus: its BARs are unmapped and freed, the slot is free again. */
    @Override
    void close();
}
