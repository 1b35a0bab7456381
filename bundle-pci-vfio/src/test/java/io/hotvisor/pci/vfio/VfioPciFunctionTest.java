package io.hotvisor.pci.vfio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.testing.RecordingInterrupts;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration space virtualisation of a passed-through function, against the configuration
 * space recorded from this machine's virtio-net (1af4:1041: a 512 KiB 64-bit BAR 0, vendor
 * capabilities at 0x40-0x84, MSI-X at 0x98 with 3 vectors, its table at BAR 0 + 0x8000 and its PBA
 * at + 0x48000, MSI-X left enabled by the host driver), over a fake device fd.
 */
class VfioPciFunctionTest {
    private static final byte[] RECORDED = FakeVfioDevice.recording("virtio-net-1af4-1041.config.hex");
    private static final int MSIX = 0x98;
    private static final int RW = VfioRegion.READ | VfioRegion.WRITE;

    private final FakeVfioDevice device = new FakeVfioDevice(RECORDED, Map.of(
            0, FakeVfioDevice.region(0, 0x80000, RW | VfioRegion.MMAP, List.of(new VfioRegion.Area(0, 0x80000))),
            VfioDevice.CONFIG_REGION, FakeVfioDevice.region(VfioDevice.CONFIG_REGION, 256, RW, List.of())),
            Map.of(VfioDevice.MSIX, 3));
    private final RecordingInterrupts interrupts = new RecordingInterrupts();
    private final List<String> released = new ArrayList<>();
    private final VfioPciFunction function = new VfioPciFunction("nic0", device, interrupts, () -> released.add("assignment"));

    private int read(int offset, int length) {
        byte[] data = new byte[length];
        function.readConfiguration(offset, data);
        int value = 0;
        for (int i = 0; i < length; i++) {
            value |= (data[i] & 0xFF) << (8 * i);
        }
        return value;
    }

    private void write(int offset, int value, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        function.writeConfiguration(offset, data);
    }

    private void writeBar(long offset, int value) {
        function.writeBar(0, offset, new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)});
    }

    @Test
    void theHeaderIsTheDevicesWithItsBarsSizedFromTheRegions() {
        assertThat(read(PciConfiguration.VENDOR_ID, 4)).isEqualTo(0x1041_1af4);
        assertThat(read(PciConfiguration.REVISION_ID, 4)).isEqualTo(0x0200_0001);
        assertThat(read(PciConfiguration.SUBSYSTEM_VENDOR_ID, 4)).isEqualTo(0x1041_1af4);
        assertThat(function.configuration().bars()).containsExactly(PciBar.memory64(0, 0x80000, false));

        write(PciConfiguration.BAR0, 0xFFFF_FFFF, 4);
        write(PciConfiguration.BAR0 + 4, 0xFFFF_FFFF, 4);
        assertThat(read(PciConfiguration.BAR0, 4)).as("64-bit, 512 KiB").isEqualTo(0xFFF8_0004);
        assertThat(read(PciConfiguration.BAR0 + 4, 4)).isEqualTo(0xFFFF_FFFF);
        for (int bar = 2; bar < PciBar.COUNT; bar++) {
            write(PciConfiguration.BAR0 + 4 * bar, 0xFFFF_FFFF, 4);
            assertThat(read(PciConfiguration.BAR0 + 4 * bar, 4)).as("BAR %d is not implemented", bar).isZero();
        }
        write(0x30, 0xFFFF_FFFF, 4);
        assertThat(read(0x30, 4)).as("no expansion ROM").isZero();
        assertThat(device.log).as("BAR writes stay virtual").noneMatch(call -> call.startsWith("write 7+0x1"));
    }

    @Test
    void readOnlyBitsStayAsTheyWere() {
        write(PciConfiguration.VENDOR_ID, 0, 4);
        write(PciConfiguration.CLASS_CODE - 1, 0, 4);
        write(PciConfiguration.CAPABILITIES_POINTER, 0, 1);
        write(PciConfiguration.INTERRUPT_PIN, 1, 1);
        assertThat(read(PciConfiguration.VENDOR_ID, 4)).isEqualTo(0x1041_1af4);
        assertThat(read(PciConfiguration.CLASS_CODE - 1, 4)).isEqualTo(0x0200_0001);
        assertThat(read(PciConfiguration.CAPABILITIES_POINTER, 1)).isEqualTo(0x40);
        assertThat(read(PciConfiguration.INTERRUPT_PIN, 1)).as("the recording has no INTx").isZero();
        assertThat(read(PciConfiguration.STATUS, 2)).isEqualTo(PciConfiguration.STATUS_CAPABILITIES);

        write(MSIX, 0xFFFF_FFFF, 4);
        assertThat(read(MSIX, 4)).as("id, next and table size are read-only").isEqualTo(0xC002_0011);
        write(MSIX + 4, 0, 4);
        write(MSIX + 8, 0, 4);
        assertThat(read(MSIX + 4, 4)).isEqualTo(0x8000);
        assertThat(read(MSIX + 8, 4)).isEqualTo(0x48000);
    }

    @Test
    void msixIsOffUntilTheGuestEnablesItAndItsVectorsReachTheDeviceAsIrqfds() {
        assertThat(read(MSIX, 4)).as("the host driver's enable bit is not the guest's").isEqualTo(0x0002_0011);

        write(MSIX + 2, 0x8000, 2);
        writeBar(0x8000, 0xFEE0_0000);
        writeBar(0x8008, 0x41);
        writeBar(0x800C, 0);
        assertThat(interrupts.log).containsExactly("allocate 24", "route 24 0xfee00000/0x41");
        assertThat(device.log).containsExactly("triggers 2 [1024]");

        writeBar(0x8020, 0xFEE0_1000);
        writeBar(0x8028, 0x42);
        writeBar(0x802C, 0);
        assertThat(device.log).as("a third vector re-enables MSI-X with three")
                .containsExactly("triggers 2 [1024]", "triggers 2 off", "triggers 2 [1024,-,1025]");
        byte[] entry = new byte[4];
        function.readBar(0, 0x8028, entry);
        assertThat(entry[0]).isEqualTo((byte) 0x42);

        write(MSIX + 2, 0, 2);
        assertThat(device.log).last().isEqualTo("triggers 2 off");
        assertThat(interrupts.log).contains("close 24", "close 25");
    }

    @Test
    void everythingBeyondTheVirtualisedPartsIsTheDevicesOwn() {
        device.config[0x44] = 0x5A;
        assertThat(read(0x44, 1)).as("read live from the device").isEqualTo(0x5A);
        write(0x48, 0x1234, 2);
        assertThat(device.log).contains("write 7+0x48 34", "write 7+0x49 12");

        write(PciConfiguration.COMMAND, PciConfiguration.COMMAND_MEMORY | PciConfiguration.COMMAND_BUS_MASTER, 2);
        assertThat(device.log).as("decoding and bus mastering reach the device").last().isEqualTo("write 7+0x4 0600");
        assertThat(read(0x100, 4)).as("no extended capabilities").isZero();
    }

    @Test
    void barAccessesGoToTheDeviceExceptTheMsixTableAndPba() {
        function.readBar(0, 0x10, new byte[4]);
        function.readBar(0, 0x48000, new byte[8]);
        function.writeBar(0, 0x20, new byte[] {1, 2});
        assertThat(device.log).containsExactly("read 0+0x10/4", "read 0+0x48000/8", "write 0+0x20 0102");
        function.readBar(0, 0x8000, new byte[4]);
        assertThat(device.log).as("the table is emulated").hasSize(3);
    }

    @Test
    void theBarIsMappedAroundTheMsixTableAndPbaAndAllIsReleasedOnRemoval() {
        RecordingSlot slot = new RecordingSlot(function, 3, () -> { });
        function.plugged(slot);
        assertThat(slot.mapped).containsExactly("0+0x0/0x8000", "0+0x9000/0x3f000", "0+0x49000/0x37000");
        assertThat(device.log).containsExactly("mmap 0+0x0/0x8000", "mmap 0+0x9000/0x3f000", "mmap 0+0x49000/0x37000");

        function.removed();
        assertThat(slot.mapped).isEmpty();
        assertThat(device.log).endsWith("munmap 0+0x9000", "munmap 0+0x0", "close");
        assertThat(released).containsExactly("assignment");
    }

    @Test
    void intxRunsThroughALevelIrqfdAndMakesWayForMsix() {
        byte[] withPin = RECORDED.clone();
        withPin[PciConfiguration.INTERRUPT_PIN] = 1;
        FakeVfioDevice fake = new FakeVfioDevice(withPin, Map.of(
                0, FakeVfioDevice.region(0, 0x80000, RW, List.of()),
                VfioDevice.CONFIG_REGION, FakeVfioDevice.region(VfioDevice.CONFIG_REGION, 256, RW, List.of())),
                Map.of(VfioDevice.INTX, 1, VfioDevice.MSIX, 3));
        VfioPciFunction nic = new VfioPciFunction("nic0", fake, interrupts, () -> { });
        nic.plugged(new RecordingSlot(nic, 3, () -> { }));
        assertThat(interrupts.log).containsExactly("level irqfd 17");
        assertThat(fake.log).containsExactly("triggers 0 [2017]", "intx unmask on 3017");

        nic.writeConfiguration(MSIX + 2, new byte[] {0, (byte) 0x80});
        nic.writeBar(0, 0x800C, new byte[4]);
        assertThat(fake.log).endsWith("triggers 0 off", "triggers 2 [1024]");
        nic.writeConfiguration(MSIX + 2, new byte[] {0, 0});
        assertThat(fake.log).endsWith("triggers 2 off", "triggers 0 [2017]", "intx unmask on 3017");

        nic.removed();
        assertThat(fake.log).endsWith("triggers 0 off", "close");
        assertThat(interrupts.log).last().isEqualTo("level irqfd 17 closed");
    }

    @Test
    void aBridgeIsRefused() {
        byte[] bridge = RECORDED.clone();
        bridge[PciConfiguration.HEADER_TYPE] = 1;
        FakeVfioDevice fake = new FakeVfioDevice(bridge, Map.of(VfioDevice.CONFIG_REGION,
                FakeVfioDevice.region(VfioDevice.CONFIG_REGION, 256, RW, List.of())), Map.of());
        assertThatThrownBy(() -> new VfioPciFunction("b", fake, interrupts, () -> { }))
                .isInstanceOf(VmException.class).hasMessage("not supported: 0000:00:03.0 is a PCI bridge (header type 1)");
    }
}
