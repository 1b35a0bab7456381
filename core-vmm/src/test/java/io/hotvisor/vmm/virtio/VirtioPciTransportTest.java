package io.hotvisor.vmm.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.IoEvents;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.Pollable;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.testing.CountingEntropy;
import io.hotvisor.vmm.testing.HeapGuestMemory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transport driven as Linux's virtio_pci_modern drives it, over fakes of the platform. */
class VirtioPciTransportTest {
    private static final GuestAddress DESCRIPTORS = GuestAddress.of(0x1000);
    private static final GuestAddress AVAIL = GuestAddress.of(0x2000);
    private static final GuestAddress USED = GuestAddress.of(0x3000);
    private static final long BUFFER = 0x8000;

    private final HeapGuestMemory memory = new HeapGuestMemory(0x10000);
    private final List<String> log = new ArrayList<>();
    private final Map<EventNotifier, Runnable> watched = new HashMap<>();
    private final List<String> errors = new ArrayList<>();

    private final Interrupts interrupts = new Interrupts() {
        private int gsi = 24;

        @Override
        public MsiVector allocateMsi() {
            int mine = gsi++;
            return new MsiVector() {
                @Override
                public int gsi() {
                    return mine;
                }

                @Override
                public void route(long address, int data) {
                }

                @Override
                public void unroute() {
                }

                @Override
                public void trigger() {
                    log.add("msi " + mine);
                }

                @Override
                public EventNotifier eventFd() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public boolean signalMsi(long address, int data) {
            return true;
        }

        @Override
        public int allocatedMsiVectors() {
            throw new UnsupportedOperationException();
        }
    };

    private final IoLoop ioLoop = new IoLoop() {
        @Override
        public Registration watch(EventNotifier notifier, Runnable handler) {
            watched.put(notifier, handler);
            return () -> watched.remove(notifier);
        }

        @Override
        public Registration watchReadable(Pollable source, Runnable handler) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }
    };

    private final IoEvents ioEvents = new IoEvents() {
        @Override
        public Registration mmio(long address, int length, EventNotifier notifier) {
            log.add(String.format("ioeventfd 0x%x", address));
            return () -> log.add(String.format("no ioeventfd 0x%x", address));
        }

        @Override
        public Registration pio(int port, int length, EventNotifier notifier) {
            throw new UnsupportedOperationException();
        }
    };

    private final CountingEntropy device = new CountingEntropy();
    private final VirtioPciTransport transport = new VirtioPciTransport("dev0", device, memory, interrupts, ioLoop,
            ioEvents, errors::add);

    @AfterEach
    void remove() {
        transport.removed();
        assertThat(watched).as("kick watches released").isEmpty();
    }

    @Test
    void theConfigurationSpaceIsAModernVirtioFunctionWithItsCapabilities() {
        PciConfiguration config = transport.configuration();
        assertThat(config.getShort(PciConfiguration.VENDOR_ID)).isEqualTo(0x1af4);
        assertThat(config.getShort(PciConfiguration.DEVICE_ID)).isEqualTo(0x1044);
        assertThat(config.getByte(PciConfiguration.REVISION_ID)).isEqualTo(1);
        assertThat(transport.pluggedDeviceId()).as("the device manager's id, for query-pci").hasValue("dev0");
        List<Integer> types = new ArrayList<>();
        for (int at = config.getByte(PciConfiguration.CAPABILITIES_POINTER); at != 0; at = config.getByte(at + 1)) {
            types.add(config.getByte(at) == 0x09 ? config.getByte(at + 3) : 0x100 + config.getByte(at));
        }
        assertThat(types).as("common, notify, ISR, then MSI-X").containsExactly(1, 2, 3, 0x111);
    }

    @Test
    void aDriverNegotiatesSetsUpAQueueAndGetsBuffersFilledWithAnMsixInterrupt() {
        negotiate(VirtioPciTransport.F_VERSION_1 | VirtioPciTransport.F_EVENT_IDX);
        enableMsix();
        setUpQueue(0, 1);
        write(0x14, 1 | 2 | 8 | 4, 1);
        assertThat(device.lifecycle).containsExactly("activate");
        transport.barMapped(0, 0xC000_0000L);
        assertThat(log).contains("ioeventfd 0xc0003000");

        descriptor(0, BUFFER, 16, 2, 0);
        memory.writeShort(AVAIL.plus(4), (short) 0);
        memory.writeShort(AVAIL.plus(2), (short) 1);
        memory.writeShort(AVAIL.plus(4 + 2 * 8), (short) 0); // used_event: interrupt at the first used buffer
        kick(0);

        assertThat(memory.readByte(GuestAddress.of(BUFFER + 15))).isEqualTo((byte) 15);
        assertThat(memory.readShort(USED.plus(2))).isEqualTo((short) 1);
        assertThat(log).as("queue 0 uses vector 1, the second GSI").contains("msi 25").doesNotContain("msi 24");
    }

    @Test
    void withoutMsixTheIsrAndIntxCarryTheInterruptAndAReadClearsThem() {
        negotiate(VirtioPciTransport.F_VERSION_1);
        setUpQueue(0, 0xFFFF);
        write(0x14, 1 | 2 | 8 | 4, 1);
        descriptor(0, BUFFER, 4, 2, 0);
        memory.writeShort(AVAIL.plus(2), (short) 1);
        kick(0);

        byte[] isr = new byte[1];
        transport.readBar(0, VirtioPciTransport.ISR_OFFSET, isr);
        assertThat(isr[0]).isEqualTo((byte) 1);
        transport.readBar(0, VirtioPciTransport.ISR_OFFSET, isr);
        assertThat(isr[0]).isZero();
    }

    @Test
    void featuresTheDeviceDidNotOfferOrLegacyDriversDoNotGetFeaturesOk() {
        write(0x08, 0, 4);
        write(0x0C, 1 << 5, 4); // a device-specific bit the device does not offer
        write(0x08, 1, 4);
        write(0x0C, 1, 4);
        write(0x14, 1 | 2 | 8, 1);
        assertThat(read(0x14, 1) & 8).isZero();

        write(0x14, 0, 1);
        write(0x14, 1 | 2 | 8, 1);
        assertThat(read(0x14, 1) & 8).as("no VERSION_1: legacy is not offered").isZero();
    }

    @Test
    void aMalformedChainMarksOnlyThisDeviceNeedsResetUntilTheDriverResetsIt() {
        negotiate(VirtioPciTransport.F_VERSION_1);
        setUpQueue(0, 0xFFFF);
        write(0x14, 1 | 2 | 8 | 4, 1);
        descriptor(0, BUFFER, 4, 1 | 2, 0); // NEXT pointing at itself: a loop
        memory.writeShort(AVAIL.plus(2), (short) 1);
        kick(0);

        assertThat(read(0x14, 1) & VirtioPciTransport.STATUS_NEEDS_RESET).isNotZero();
        assertThat(errors).singleElement().asString().contains("loops").contains("needs a reset");
        assertThat(device.lifecycle).containsExactly("activate", "reset");
        kick(0);
        assertThat(errors).hasSize(1);

        write(0x14, 0, 1);
        assertThat(read(0x14, 1)).isZero();
    }

    @Test
    void aQueueOutsideRamIsRefusedWhenEnabled() {
        negotiate(VirtioPciTransport.F_VERSION_1);
        write(0x16, 0, 2);
        write(0x20, 0xFFF0_0000, 4);
        write(0x1C, 1, 2);

        assertThat(read(0x1C, 2)).isZero();
        assertThat(read(0x14, 1) & VirtioPciTransport.STATUS_NEEDS_RESET).isNotZero();
        assertThat(errors).singleElement().asString().contains("descriptor table");
    }

    private void negotiate(long features) {
        write(0x14, 1, 1);
        write(0x14, 1 | 2, 1);
        write(0x00, 1, 4);
        assertThat(read(0x04, 4) & 1).as("VERSION_1 offered").isEqualTo(1);
        write(0x08, 0, 4);
        write(0x0C, (int) features, 4);
        write(0x08, 1, 4);
        write(0x0C, (int) (features >>> 32), 4);
        write(0x14, 1 | 2 | 8, 1);
        assertThat(read(0x14, 1) & 8).as("FEATURES_OK").isEqualTo(8);
    }

    private void enableMsix() {
        PciConfiguration config = transport.configuration();
        int at = config.getByte(PciConfiguration.CAPABILITIES_POINTER);
        while (config.getByte(at) != 0x11) {
            at = config.getByte(at + 1);
        }
        config.write(at + 3, new byte[] {(byte) 0x80});
        for (int vector = 0; vector < 2; vector++) {
            long entry = VirtioPciTransport.MSIX_TABLE_OFFSET + 16L * vector;
            transport.writeBar(0, entry, le(0xFEE0_0000, 4));
            transport.writeBar(0, entry + 8, le(0x40 + vector, 4));
            transport.writeBar(0, entry + 12, le(0, 4));
        }
        write(0x10, 0, 2);
    }

    private void setUpQueue(int queue, int vector) {
        write(0x16, queue, 2);
        write(0x18, 8, 2);
        write(0x1A, vector, 2);
        write(0x20, (int) DESCRIPTORS.value(), 4);
        write(0x24, 0, 4);
        write(0x28, (int) AVAIL.value(), 4);
        write(0x30, (int) USED.value(), 4);
        write(0x1C, 1, 2);
        assertThat(read(0x1C, 2)).isEqualTo(1);
    }

    private void kick(int queue) {
        transport.writeBar(0, VirtioPciTransport.NOTIFY_OFFSET + 4L * queue, le(queue, 2));
        watched.values().forEach(Runnable::run);
    }

    private void descriptor(int index, long address, int length, int flags, int next) {
        GuestAddress at = DESCRIPTORS.plus(16L * index);
        memory.writeLong(at, address);
        memory.writeInt(at.plus(8), length);
        memory.writeShort(at.plus(12), (short) flags);
        memory.writeShort(at.plus(14), (short) next);
    }

    private void write(int offset, int value, int length) {
        transport.writeBar(0, VirtioPciTransport.COMMON_OFFSET + offset, le(value, length));
    }

    private int read(int offset, int length) {
        byte[] data = new byte[length];
        transport.readBar(0, VirtioPciTransport.COMMON_OFFSET + offset, data);
        int value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = value << 8 | (data[i] & 0xFF);
        }
        return value;
    }

    private static byte[] le(int value, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        return data;
    }
}
