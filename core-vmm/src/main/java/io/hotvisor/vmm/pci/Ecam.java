package io.hotvisor.vmm.pci;

import io.hotvisor.vmm.api.MmioDevice;

/**
 * PCIe enhanced configuration access (ECAM): each function's 4 KiB of configuration space at
 * {@code bus << 20 | device << 15 | function << 12} from the window's base (PCIe 5.0 §7.2.2).
 */
final class Ecam implements MmioDevice {
    private final PciRootBus bus;

    Ecam(PciRootBus bus) {
        this.bus = bus;
    }

    @Override
    public void read(long offset, byte[] data) {
        bus.readConfig(busNumber(offset), slot(offset), function(offset), register(offset), data);
    }

    @Override
    public void write(long offset, byte[] data) {
        bus.writeConfig(busNumber(offset), slot(offset), function(offset), register(offset), data);
    }

    private static int busNumber(long offset) {
        return (int) (offset >>> 20) & 0xFF;
    }

    private static int slot(long offset) {
        return (int) (offset >>> 15) & 0x1F;
    }

    private static int function(long offset) {
        return (int) (offset >>> 12) & 0x7;
    }

    private static int register(long offset) {
        return (int) offset & 0xFFF;
    }
}
