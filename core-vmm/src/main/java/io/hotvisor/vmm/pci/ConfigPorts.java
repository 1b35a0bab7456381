package io.hotvisor.vmm.pci;

import io.hotvisor.vmm.api.PioDevice;
import java.util.Arrays;

/**
 * Configuration mechanism #1 (PCI 3.0 §3.2.2.3.2): the guest latches a function and register in
 * 0xCF8 with a 32-bit write, then reads or writes 0xCFC-0xCFF. Linux probes it before it looks at
 * MCFG, and keeps it for the first 256 bytes.
 */
final class ConfigPorts implements PioDevice {
    static final int ADDRESS_PORT = 0xCF8;
    static final int PORTS = 8;
    private static final int DATA_OFFSET = 4;
    private static final int ENABLE = 0x8000_0000;

    private final PciRootBus bus;
    private int address;

    ConfigPorts(PciRootBus bus) {
        this.bus = bus;
    }

    @Override
    public synchronized void read(int offset, byte[] data) {
        if (offset >= DATA_OFFSET) {
            if ((address & ENABLE) != 0) {
                bus.readConfig(busNumber(), slot(), function(), register(offset), data);
            } else {
                Arrays.fill(data, (byte) 0xFF);
            }
        } else if (offset == 0 && data.length == 4) {
            for (int i = 0; i < 4; i++) {
                data[i] = (byte) (address >>> (8 * i));
            }
        } else {
            Arrays.fill(data, (byte) 0xFF);
        }
    }

    @Override
    public synchronized void write(int offset, byte[] data) {
        if (offset >= DATA_OFFSET) {
            if ((address & ENABLE) != 0) {
                bus.writeConfig(busNumber(), slot(), function(), register(offset), data);
            }
        } else if (offset == 0 && data.length == 4) {
            // Bits 1:0 are reserved and read as zero.
            address = (data[0] & 0xFC) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
        }
        // Narrower writes to 0xCF8-0xCFB are not configuration cycles (0xCF9 is a reset port on PCs); ignored.
    }

    private int busNumber() {
        return (address >>> 16) & 0xFF;
    }

    private int slot() {
        return (address >>> 11) & 0x1F;
    }

    private int function() {
        return (address >>> 8) & 0x7;
    }

    private int register(int offset) {
        return (address & 0xFC) + offset - DATA_OFFSET;
    }
}
