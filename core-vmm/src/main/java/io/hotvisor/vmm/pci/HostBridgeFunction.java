package io.hotvisor.vmm.pci;

import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import java.util.Arrays;

/**
 * Slot 0: the host bridge as a PCI function, with the ids of QEMU's generic PCIe host bridge
 * (1b36:0008, class 06 00 00) so guests and lspci name it without a driver of their own. It has
 * no BARs. Linux's mechanism #1 probe also wants to find a host bridge class on bus 0.
 */
final class HostBridgeFunction implements PciDevice {
    static final int VENDOR_RED_HAT = 0x1b36;
    static final int DEVICE_PCIE_HOST = 0x0008;
    static final int CLASS_HOST_BRIDGE = 0x060000;
    static final int SUBSYSTEM_VENDOR_QEMU = 0x1af4;
    static final int SUBSYSTEM_QEMU = 0x1100;

    private final PciConfiguration configuration =
            new PciConfiguration(VENDOR_RED_HAT, DEVICE_PCIE_HOST, CLASS_HOST_BRIDGE, 0)
                    .subsystem(SUBSYSTEM_VENDOR_QEMU, SUBSYSTEM_QEMU);

    @Override
    public PciConfiguration configuration() {
        return configuration;
    }

    @Override
    public void readBar(int bar, long offset, byte[] data) {
        Arrays.fill(data, (byte) 0xFF);
    }

    @Override
    public void writeBar(int bar, long offset, byte[] data) {
        // No BARs: never mapped, never called.
    }
}
