package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.InterruptLine;
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

    /** Takes the device off the bus: its BARs are unmapped and freed, the slot is free again. */
    @Override
    void close();
}
