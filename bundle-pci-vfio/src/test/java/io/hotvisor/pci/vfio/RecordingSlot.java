package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** A slot without a bus: INTx on GSI 17, the host memory mapped into its BARs in {@link #mapped}. */
final class RecordingSlot implements PciSlot {
    final List<String> mapped = new ArrayList<>();
    private final PciDevice device;
    private final int slot;
    private final Runnable onClose;

    RecordingSlot(PciDevice device, int slot, Runnable onClose) {
        this.device = device;
        this.slot = slot;
        this.onClose = onClose;
    }

    @Override
    public Registration mapHostMemory(int bar, long offset, long size, long hostAddress) {
        String range = String.format("%d+0x%x/0x%x", bar, offset, size);
        mapped.add(range);
        return () -> mapped.remove(range);
    }

    @Override
    public PciAddress address() {
        return PciAddress.bus0(slot);
    }

    @Override
    public PciDevice device() {
        return device;
    }

    @Override
    public InterruptLine intx() {
        return InterruptLine.of(17, level -> { });
    }

    @Override
    public OptionalLong mappedAddress(int bar) {
        return OptionalLong.empty();
    }

    /** Takes the device off: it is told, as the core's bus tells it. */
    @Override
    public void close() {
        onClose.run();
        device.removed();
    }
}
