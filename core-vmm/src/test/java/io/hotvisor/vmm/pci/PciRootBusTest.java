package io.hotvisor.vmm.pci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.acpi.AddressRange;
import io.hotvisor.vmm.acpi.PciHostBridge;
import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciAddress;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciHotplugController;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.memory.DeviceMemory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PciRootBusTest {
    private static final long ECAM = 0xE000_0000L;
    private final IoBus<MmioDevice> mmio = new IoBus<>("MMIO bus");
    private final IoBus<PioDevice> pio = new IoBus<>("I/O port bus");
    private final Map<Integer, List<Boolean>> gsiLevels = new HashMap<>();
    /** The KVM slots of device memory, as "map SLOT ADDRESS SIZE HOST" and "unmap SLOT". */
    private final List<String> kvmSlots = new ArrayList<>();
    private final PciRootBus bus = new PciRootBus(PciHostBridge.bus0(new AddressRange(1L << 34, 1L << 34)), mmio, pio,
            gsi -> InterruptLine.of(gsi, level -> gsiLevels.computeIfAbsent(gsi, g -> new ArrayList<>()).add(level)),
            new DeviceMemory() {
                private int next = 10;

                @Override
                public int map(long guestAddress, long size, long hostAddress) {
                    kvmSlots.add(String.format("map %d 0x%x 0x%x 0x%x", next, guestAddress, size, hostAddress));
                    return next++;
                }

                @Override
                public void unmap(int slot) {
                    kvmSlots.add("unmap " + slot);
                }
            });

    /** A device that records its BAR accesses. */
    static final class TestDevice implements PciDevice {
        final PciConfiguration configuration;
        final List<String> accesses = new ArrayList<>();
        boolean removed;

        TestDevice(PciBar... bars) {
            configuration = new PciConfiguration(0x1af4, 0x1044, 0x00ff00, 0).interruptPin(1);
            for (PciBar bar : bars) {
                configuration.bar(bar);
            }
        }

        @Override
        public PciConfiguration configuration() {
            return configuration;
        }

        @Override
        public void readBar(int bar, long offset, byte[] data) {
            accesses.add("read " + bar + "+" + offset);
            data[0] = 0x5A;
        }

        @Override
        public void writeBar(int bar, long offset, byte[] data) {
            accesses.add("write " + bar + "+" + offset);
        }

        @Override
        public void removed() {
            removed = true;
        }
    }

    @Test
    void theHostBridgeAnswersInSlotZeroThroughEcamAndThePorts() {
        assertThat(ecamRead(0, PciConfiguration.VENDOR_ID, 4)).isEqualTo(0x0008_1b36);
        assertThat(ecamRead(0, PciConfiguration.CLASS_CODE - 1, 4)).isEqualTo(0x0600_0000);

        portWrite(0, 0x8000_0000, 4);
        assertThat(portRead(0, 4)).isEqualTo(0x8000_0000);
        assertThat(portRead(4, 4)).isEqualTo(0x0008_1b36);
        assertThat(portRead(6, 2)).isEqualTo(0x0008);
    }

    @Test
    void absentFunctionsAndBusesReadAllOnesAndIgnoreWrites() {
        assertThat(ecamRead(5, 0, 4)).isEqualTo(0xFFFF_FFFF);
        assertThat(ecamRead(0, 0, 4, 1 << 12)).as("function 1").isEqualTo(0xFFFF_FFFF);
        ecamWrite(5, PciConfiguration.COMMAND, 0xFFFF, 2);
        portWrite(0, 0x8001_0000, 4);
        assertThat(portRead(4, 4)).as("bus 1").isEqualTo(0xFFFF_FFFF);

        portWrite(0, 0x0000_0000, 4);
        assertThat(portRead(4, 4)).as("mechanism #1 disabled").isEqualTo(0xFFFF_FFFF);
    }

    @Test
    void devicesGoToTheFirstFreeSlotOrTheOneAskedFor() {
        PciSlot first = bus.plug(new TestDevice(), OptionalInt.empty());
        PciSlot fifth = bus.plug(new TestDevice(), OptionalInt.of(5));

        assertThat(first.address()).isEqualTo(PciAddress.bus0(1));
        assertThat(fifth.address().toString()).isEqualTo("0000:00:05.0");
        assertThat(ecamRead(5, PciConfiguration.VENDOR_ID, 2)).isEqualTo(0x1af4);
        assertThatThrownBy(() -> bus.plug(new TestDevice(), OptionalInt.of(5))).isInstanceOf(VmException.class)
                .hasMessage("PCI slot 5 (0000:00:05.0) is already in use");
        assertThatThrownBy(() -> bus.plug(new TestDevice(), OptionalInt.of(32)))
                .hasMessage("PCI slot 32 does not exist (bus 0 has slots 0-31)");
        assertThat(bus.slots()).hasSize(3);
    }

    @Test
    void barsAreAssignedFromTheirWindowsAndMappedWhileDecodingIsOn() {
        TestDevice device = new TestDevice(PciBar.memory32(0, 0x1000), PciBar.io(1, 0x20),
                PciBar.memory64(2, 0x4000, true));
        PciSlot slot = bus.plug(device, OptionalInt.empty());
        int number = slot.address().slot();
        PciConfiguration config = device.configuration();
        long bar0 = config.barAddress(0);
        long bar1 = config.barAddress(1);
        long bar2 = config.barAddress(2);

        assertThat(bar0).isBetween(0xC000_0000L, 0xDFFF_FFFFL);
        assertThat(bar1).isBetween(PciRootBus.IO_WINDOW_START, 0xFFFFL);
        assertThat(bar2).isGreaterThanOrEqualTo(1L << 34);
        assertThat(mmio.find(bar0)).as("decoding off").isNull();
        assertThat(slot.mappedAddress(0)).isEmpty();

        ecamWrite(number, PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY | PciConfiguration.COMMAND_IO, 2);
        assertThat(slot.mappedAddress(0)).hasValue(bar0);
        assertThat(slot.mappedAddress(1)).hasValue(bar1);
        assertThat(slot.mappedAddress(2)).hasValue(bar2);
        mmioRead(bar0 + 8);
        mmioRead(bar2 + 0x3FF8);
        pioRead(bar1 + 4);
        assertThat(device.accesses).containsExactly("read 0+8", "read 2+16376", "read 1+4");

        ecamWrite(number, PciConfiguration.COMMAND, 0, 2);
        assertThat(mmio.find(bar0)).isNull();
        assertThat(pio.find(bar1)).isNull();
        assertThat(slot.mappedAddress(0)).isEmpty();
    }

    @Test
    void theBusFollowsTheGuestWhenItMovesOrSizesABar() {
        TestDevice device = new TestDevice(PciBar.memory32(0, 0x1000));
        int number = bus.plug(device, OptionalInt.empty()).address().slot();
        ecamWrite(number, PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY, 2);
        long original = device.configuration().barAddress(0);

        ecamWrite(number, PciConfiguration.BAR0, 0xFFFF_FFFF, 4);
        assertThat(mmio.find(original)).as("sizing pattern is not an address").isNull();
        assertThat(mmio.find(0xFFFF_F000L)).isNull();

        ecamWrite(number, PciConfiguration.BAR0, 0xD000_0000, 4);
        assertThat(mmio.find(0xD000_0000L)).isNotNull();
        assertThat(mmio.find(original)).isNull();
    }

    @Test
    void hostMemoryInABarIsAKvmSlotThatFollowsTheBarWhileItDecodes() {
        TestDevice device = new TestDevice(PciBar.memory32(0, 0x4000));
        PciSlot slot = bus.plug(device, OptionalInt.empty());
        int number = slot.address().slot();
        Registration tail = slot.mapHostMemory(0, 0x1000, 0x3000, 0x7f00_0000_1000L);
        assertThat(kvmSlots).as("decoding off: no slot yet").isEmpty();

        ecamWrite(number, PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY, 2);
        long original = device.configuration().barAddress(0);
        assertThat(kvmSlots).containsExactly(String.format("map 10 0x%x 0x3000 0x7f0000001000", original + 0x1000));
        mmioRead(original + 8);
        assertThat(device.accesses).as("the rest of the BAR is still trapped").containsExactly("read 0+8");

        ecamWrite(number, PciConfiguration.BAR0, 0xD000_0000, 4);
        assertThat(kvmSlots).endsWith("unmap 10", "map 11 0xd0001000 0x3000 0x7f0000001000");
        assertThatThrownBy(() -> slot.mapHostMemory(0, 0x2000, 0x1000, 0x7f00_0000_0000L))
                .hasMessageContaining("overlaps");
        assertThatThrownBy(() -> slot.mapHostMemory(0, 0x800, 0x1000, 0x7f00_0000_0000L))
                .hasMessageContaining("page aligned");

        tail.close();
        assertThat(kvmSlots).last().isEqualTo("unmap 11");
        slot.mapHostMemory(0, 0, 0x1000, 0x7f00_0000_0000L);
        slot.close();
        assertThat(kvmSlots).endsWith("map 12 0xd0000000 0x1000 0x7f0000000000", "unmap 12");
    }

    @Test
    void aBarMovedOntoAnotherDeviceStaysUnmappedAndNothingElseBreaks() {
        TestDevice device = new TestDevice(PciBar.memory32(0, 0x1000));
        int number = bus.plug(device, OptionalInt.empty()).address().slot();
        ecamWrite(number, PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY, 2);

        ecamWrite(number, PciConfiguration.BAR0, (int) ECAM, 4);

        assertThat(ecamRead(0, PciConfiguration.VENDOR_ID, 2)).isEqualTo(0x1b36);
        assertThat(mmio.find(ECAM).device()).isInstanceOf(Ecam.class);
    }

    @Test
    void unplugFreesTheSlotAndTheBarsAndTellsTheDevice() {
        TestDevice device = new TestDevice(PciBar.memory32(0, 0x1000));
        PciSlot slot = bus.plug(device, OptionalInt.empty());
        ecamWrite(slot.address().slot(), PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY, 2);
        long bar0 = device.configuration().barAddress(0);

        slot.close();
        slot.close();

        assertThat(device.removed).isTrue();
        assertThat(mmio.find(bar0)).isNull();
        assertThat(ecamRead(slot.address().slot(), 0, 4)).isEqualTo(0xFFFF_FFFF);
        TestDevice next = new TestDevice(PciBar.memory32(0, 0x1000));
        assertThat(bus.plug(next, OptionalInt.empty()).address()).isEqualTo(slot.address());
        assertThat(next.configuration().barAddress(0)).isEqualTo(bar0);
    }

    /** Records what the bus asks of a hotplug controller. */
    private static final class RecordingController implements PciHotplugController {
        final List<String> calls = new ArrayList<>();

        @Override
        public void deviceAdded(int slot) {
            calls.add("added " + slot);
        }

        @Override
        public void removalRequested(int slot) {
            calls.add("remove " + slot);
        }
    }

    @Test
    void onceTheGuestRunsOnlyAHotplugControllerLetsDevicesComeAndGo() {
        PciSlot boot = bus.plug(new TestDevice(), OptionalInt.empty());
        bus.guestStarted();
        TestDevice unseen = new TestDevice(PciBar.memory32(0, 0x1000));
        assertThatThrownBy(() -> bus.plug(unseen, OptionalInt.empty())).isInstanceOf(VmException.class)
                .hasMessage("not supported: the guest runs and its PCI bus has no hotplug controller, so it would not"
                        + " see the device");
        assertThatThrownBy(() -> bus.requestRemoval(boot)).hasMessage("not supported: 0000:00:01.0 cannot be removed:"
                + " the PCI bus has no hotplug controller");
        assertThat(bus.slots()).hasSize(2);

        RecordingController controller = new RecordingController();
        Registration attached = bus.attachHotplug(controller);
        assertThatThrownBy(() -> bus.attachHotplug(new RecordingController()))
                .hasMessage("the PCI bus already has a hotplug controller");
        PciSlot added = bus.plug(new TestDevice(PciBar.memory32(0, 0x1000)), OptionalInt.of(7));
        assertThat(added.device().configuration().barAddress(0)).isNotZero(); // assigned before the guest hears
        bus.requestRemoval(boot);
        added.close();
        assertThatThrownBy(() -> bus.requestRemoval(added)).hasMessage("0000:00:07.0 is no longer on the bus");
        assertThat(controller.calls).containsExactly("added 7", "remove 1");

        attached.close();
        assertThatThrownBy(() -> bus.plug(new TestDevice(), OptionalInt.empty())).hasMessageStartingWith("not supported");
        bus.attachHotplug(new RecordingController()).close(); // a successor may attach
    }

    @Test
    void aFullWindowRefusesThePlugAndLeavesNothingAllocated() {
        TestDevice big = new TestDevice(PciBar.io(0, 0x100), PciBar.memory32(1, 1L << 31));

        assertThatThrownBy(() -> bus.plug(big, OptionalInt.empty())).isInstanceOf(VmException.class)
                .hasMessageContaining("32-bit PCI MMIO window has no room");
        TestDevice small = new TestDevice(PciBar.io(0, 0x100));
        bus.plug(small, OptionalInt.empty());
        assertThat(small.configuration().barAddress(0)).isEqualTo(PciRootBus.IO_WINDOW_START);
    }

    @Test
    void intxLinesAreSharedAndHonourTheDisableBit() {
        PciSlot one = bus.plug(new TestDevice(), OptionalInt.of(1));
        PciSlot nine = bus.plug(new TestDevice(), OptionalInt.of(9));
        int gsi = one.intx().gsi();

        assertThat(nine.intx().gsi()).isEqualTo(gsi).isEqualTo(PciHostBridge.intxGsi(1, 1));
        assertThat(ecamRead(1, PciConfiguration.INTERRUPT_LINE, 1)).isEqualTo(gsi);
        one.intx().set(true);
        nine.intx().set(true);
        one.intx().set(false);
        assertThat(gsiLevels.get(gsi)).as("one rising edge, still high while slot 9 asserts").containsExactly(true);
        assertThat(ecamRead(9, PciConfiguration.STATUS, 2) & PciConfiguration.STATUS_INTERRUPT).isNotZero();

        ecamWrite(9, PciConfiguration.COMMAND, PciConfiguration.COMMAND_INTX_DISABLE, 2);
        assertThat(gsiLevels.get(gsi)).containsExactly(true, false);
        ecamWrite(9, PciConfiguration.COMMAND, 0, 2);
        assertThat(gsiLevels.get(gsi)).containsExactly(true, false, true);
    }

    private int ecamRead(int slot, int register, int length) {
        return ecamRead(slot, register, length, 0);
    }

    private int ecamRead(int slot, int register, int length, long extra) {
        byte[] data = new byte[length];
        long address = ECAM + ((long) slot << 15) + register + extra;
        IoBus.Mapping<MmioDevice> mapping = mmio.find(address);
        mapping.device().read(address - mapping.base(), data);
        return toInt(data);
    }

    private void ecamWrite(int slot, int register, int value, int length) {
        long address = ECAM + ((long) slot << 15) + register;
        IoBus.Mapping<MmioDevice> mapping = mmio.find(address);
        mapping.device().write(address - mapping.base(), toBytes(value, length));
    }

    private void mmioRead(long address) {
        IoBus.Mapping<MmioDevice> mapping = mmio.find(address);
        assertThat(mapping).as("mapping at 0x%x", address).isNotNull();
        mapping.device().read(address - mapping.base(), new byte[4]);
    }

    private void pioRead(long port) {
        IoBus.Mapping<PioDevice> mapping = pio.find(port);
        assertThat(mapping).as("mapping at port 0x%x", port).isNotNull();
        mapping.device().read((int) (port - mapping.base()), new byte[4]);
    }

    private int portRead(int offset, int length) {
        byte[] data = new byte[length];
        pio.find(0xCF8 + offset).device().read(offset, data);
        return toInt(data);
    }

    private void portWrite(int offset, int value, int length) {
        pio.find(0xCF8 + offset).device().write(offset, toBytes(value, length));
    }

    private static int toInt(byte[] data) {
        int value = 0;
        for (int i = data.length - 1; i >= 0; i--) {
            value = value << 8 | (data[i] & 0xFF);
        }
        return value;
    }

    private static byte[] toBytes(int value, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        return data;
    }
}
