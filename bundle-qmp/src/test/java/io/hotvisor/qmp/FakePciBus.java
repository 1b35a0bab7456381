package io.hotvisor.qmp;

import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciHotplugController;
import io.hotvisor.vmm.api.pci.PciSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** A PCI bus whose slots a test fills: each function's configuration, device id and the BARs that decode. */
public final class FakePciBus implements PciBus {
    private final List<PciSlot> slots = new ArrayList<>();

    /**
     * The host bridge in slot 0; in slot 3 a virtio-blk disk "disk0" on INTA# (line 19) whose
     * 32-bit BAR 0 decodes at 0xc0000000; in slot 5 "odd0" of a class QEMU has no name for, with
     * an I/O BAR 0 at 0xc000 and a 64-bit prefetchable BAR 2 that does not decode, and no pin.
     */
    public static FakePciBus sample() {
        PciConfiguration hostBridge = new PciConfiguration(0x1b36, 0x0008, 0x060000, 0).subsystem(0x1af4, 0x1100);
        PciConfiguration disk = new PciConfiguration(0x1af4, 0x1042, 0x010000, 1).subsystem(0x1af4, 0x1100)
                .interruptPin(1).bar(PciBar.memory32(0, 0x8000));
        disk.putByte(PciConfiguration.INTERRUPT_LINE, 19);
        PciConfiguration odd = new PciConfiguration(0x1af4, 0x1044, 0x00ff00, 1).bar(PciBar.io(0, 0x20))
                .bar(PciBar.memory64(2, 0x4000, true));
        return new FakePciBus().add(0, hostBridge, null, Map.of())
                .add(3, disk, "disk0", Map.of(0, 0xC000_0000L))
                .add(5, odd, "odd0", Map.of(0, 0xC000L));
    }

    /**
     * Puts a function in {@code slot} of bus 0.
     *
     * @param mapped BAR index to the address it decodes at; BARs not named do not decode
     */
    public FakePciBus add(int slot, PciConfiguration configuration, String pluggedDeviceId, Map<Integer, Long> mapped) {
        PciDevice device = new PciDevice() {
            @Override
            public PciConfiguration configuration() {
                return configuration;
            }

            @Override
            public Optional<String> pluggedDeviceId() {
                return Optional.ofNullable(pluggedDeviceId);
            }

            @Override
            public void readBar(int bar, long offset, byte[] data) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void writeBar(int bar, long offset, byte[] data) {
                throw new UnsupportedOperationException();
            }
        };
        slots.add(new PciSlot() {
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
                throw new UnsupportedOperationException();
            }

            @Override
            public OptionalLong mappedAddress(int bar) {
                Long address = mapped.get(bar);
                return address == null ? OptionalLong.empty() : OptionalLong.of(address);
            }

            @Override
            public void close() {
                throw new UnsupportedOperationException();
            }
        });
        return this;
    }

    @Override
    public PciSlot plug(PciDevice device, OptionalInt slot) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<PciSlot> slots() {
        return List.copyOf(slots);
    }

    @Override
    public Registration attachHotplug(PciHotplugController controller) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean acceptsPlug() {
        return true;
    }

    @Override
    public void requestRemoval(PciSlot slot) {
        throw new UnsupportedOperationException();
    }
}
