package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.api.net.Tap.Offload;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VirtioNetTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    /** Frames the host sends wait in {@code incoming}; what the guest sends lands in {@code sent}. */
    private static final class FakeTap implements Tap {
        final Deque<byte[]> incoming = new ArrayDeque<>();
        final List<byte[]> sent = new ArrayList<>();
        final Set<Offload> supported;
        /** What the device last set; null before it set any. */
        Set<Offload> offloads;
        boolean closed;

        FakeTap(Set<Offload> supported) {
            this.supported = supported;
        }

        @Override
        public String name() {
            return "tap-test";
        }

        @Override
        public Set<Offload> supportedOffloads() {
            return supported;
        }

        @Override
        public void setOffloads(Set<Offload> chosen) {
            assertThat(supported).containsAll(chosen);
            offloads = Set.copyOf(chosen);
        }

        @Override
        public int fd() {
            return -1;
        }

        @Override
        public int read(ByteBuffer buffer) {
            byte[] frame = incoming.poll();
            if (frame == null) {
                return 0;
            }
            buffer.put(frame);
            return frame.length;
        }

        @Override
        public boolean write(ByteBuffer buffer) {
            byte[] frame = new byte[buffer.remaining()];
            buffer.get(frame);
            sent.add(frame);
            return true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final long ALL_OFFLOADS = VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM | VirtioNet.F_GUEST_TSO4
            | VirtioNet.F_GUEST_TSO6 | VirtioNet.F_GUEST_ECN | VirtioNet.F_HOST_TSO4 | VirtioNet.F_HOST_TSO6
            | VirtioNet.F_HOST_ECN;

    private final FakeTap tap = new FakeTap(EnumSet.allOf(Offload.class));
    private final VirtioNet net = new VirtioNet(tap, MAC);

    private static byte[] frame(int length, int fill) {
        byte[] frame = new byte[length];
        Arrays.fill(frame, VirtioNet.HEADER, length, (byte) fill);
        return frame;
    }

    /** A frame whose header asks for a checksum and the segmentation {@code gsoType}, as Linux writes one. */
    private static byte[] offloadedFrame(int length, int gsoType, int checksumStart, int checksumOffset) {
        byte[] frame = frame(length, 0x44);
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN)
                .put(VirtioNet.FLAGS, (byte) VirtioNet.HDR_F_NEEDS_CSUM)
                .put(VirtioNet.GSO_TYPE, (byte) gsoType)
                .putShort(VirtioNet.HDR_LEN, (short) 66)
                .putShort(VirtioNet.GSO_SIZE, (short) 1448)
                .putShort(VirtioNet.CSUM_START, (short) checksumStart)
                .putShort(VirtioNet.CSUM_OFFSET, (short) checksumOffset);
        return frame;
    }

    /** Activates {@code device} with {@code features} and makes {@code frame} available to send. */
    private static QueueDriver transmitting(VirtioNet device, long features, byte[] frame) {
        QueueDriver driver = new QueueDriver(16, 2).features(features);
        device.activate(driver);
        driver.submitTo(VirtioNet.TX, new long[] {driver.buffer(frame, frame.length), frame.length, 0});
        return driver;
    }

    @Test
    void theConfigurationCarriesTheMacAndLinkUp() {
        byte[] config = new byte[VirtioNet.CONFIG_SIZE];
        net.readConfig(0, config);
        assertThat(Arrays.copyOf(config, 6)).isEqualTo(MAC);
        assertThat(config[6]).isEqualTo((byte) VirtioNet.STATUS_LINK_UP);
    }

    @Test
    void transmittedFramesReachTheTapWithTheirHeader() {
        QueueDriver driver = new QueueDriver(16, 2);
        net.activate(driver);
        byte[] packet = frame(74, 0x11);
        driver.submitTo(VirtioNet.TX, new long[] {driver.buffer(Arrays.copyOf(packet, 12), 12), 12, 0},
                new long[] {driver.buffer(Arrays.copyOfRange(packet, 12, 74), 62), 62, 0});

        net.queueNotified(VirtioNet.TX);

        assertThat(tap.sent).singleElement().isEqualTo(packet);
        assertThat(driver.usedOf(VirtioNet.TX)).hasSize(1);
        assertThat(driver.interrupts).containsExactly("queue 1");
    }

    @Test
    void receivedFramesFillMergedBuffersAndSayHowMany() {
        QueueDriver driver = new QueueDriver(16, 2).features(VirtioNet.F_MRG_RXBUF);
        net.activate(driver);
        long first = driver.buffer(new byte[0], 1024);
        long second = driver.buffer(new byte[0], 1024);
        driver.submitTo(VirtioNet.RX, new long[] {first, 1024, 1});
        driver.submitTo(VirtioNet.RX, new long[] {second, 1024, 1});
        tap.incoming.add(frame(1500, 0x22));

        driver.readable.run();

        assertThat(driver.usedOf(VirtioNet.RX)).extracting(entry -> entry[1]).containsExactly(1024, 476);
        assertThat(driver.read(first + VirtioNet.NUM_BUFFERS, 2)).containsExactly(2, 0);
        assertThat(driver.read(second + 475, 1)).containsExactly(0x22);
        assertThat(driver.interrupts).containsExactly("queue 0");
    }

    @Test
    void withoutReceiveBuffersTheTapIsLeftAloneUntilTheGuestGivesSome() {
        QueueDriver driver = new QueueDriver(16, 2);
        net.activate(driver);
        tap.incoming.add(frame(60, 0x33));

        driver.readable.run();
        assertThat(driver.readable).as("not watching").isNull();
        assertThat(tap.incoming).hasSize(1);

        long buffer = driver.buffer(new byte[0], 2048);
        driver.submitTo(VirtioNet.RX, new long[] {buffer, 2048, 1});
        net.queueNotified(VirtioNet.RX);
        driver.readable.run();

        assertThat(driver.usedOf(VirtioNet.RX)).extracting(entry -> entry[1]).containsExactly(60);
        assertThat(driver.read(buffer + VirtioNet.NUM_BUFFERS, 2)).containsExactly(1, 0);
    }

    @Test
    void aTransmitShorterThanTheHeaderIsTheDriverBreakingTheRules() {
        QueueDriver driver = new QueueDriver(16, 2);
        net.activate(driver);
        driver.submitTo(VirtioNet.TX, new long[] {driver.buffer(new byte[4], 4), 4, 0});

        assertThatThrownBy(() -> net.queueNotified(VirtioNet.TX)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("shorter than its 12-byte header");
    }

    @Test
    void offloadFeaturesAreOfferedOnlyForWhatTheTapAccepts() {
        long base = VirtioNet.F_MAC | VirtioNet.F_MRG_RXBUF | VirtioNet.F_STATUS;
        assertThat(new VirtioNet(new FakeTap(Set.of()), MAC).features()).isEqualTo(base);
        assertThat(new VirtioNet(new FakeTap(EnumSet.of(Offload.CHECKSUM, Offload.TSO4)), MAC).features())
                .isEqualTo(base | VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM | VirtioNet.F_HOST_TSO4
                        | VirtioNet.F_GUEST_TSO4);
        assertThat(net.features()).isEqualTo(base | ALL_OFFLOADS);
    }

    @Test
    void theTapHandsOverOnlyTheOffloadsTheGuestAgreedToReceive() {
        net.activate(new QueueDriver(16, 2).features(VirtioNet.F_GUEST_CSUM | VirtioNet.F_GUEST_TSO4
                | VirtioNet.F_CSUM | VirtioNet.F_HOST_TSO6 | VirtioNet.F_HOST_ECN));
        assertThat(tap.offloads).containsExactlyInAnyOrder(Offload.CHECKSUM, Offload.TSO4);

        net.reset();
        net.activate(new QueueDriver(16, 2).features(VirtioNet.F_MRG_RXBUF));
        assertThat(tap.offloads).isEmpty();

        net.reset();
        net.activate(new QueueDriver(16, 2).features(VirtioNet.F_GUEST_TSO4 | VirtioNet.F_GUEST_ECN));
        assertThat(tap.offloads).as("TSO without checksums breaks the spec and the kernel refuses it").isEmpty();
    }

    @Test
    void withOffloadsNegotiatedTheGuestsHeaderReachesTheTapUnchanged() {
        byte[] packet = offloadedFrame(3000, VirtioNet.GSO_TCPV4 | VirtioNet.GSO_ECN, 34, 16);
        transmitting(net, ALL_OFFLOADS, packet);

        net.queueNotified(VirtioNet.TX);

        assertThat(tap.sent).singleElement().isEqualTo(packet);
    }

    @Test
    void aTransmitAskingForAnOffloadThatWasNotNegotiatedBreaksTheRules() {
        long checksumOnly = VirtioNet.F_CSUM | VirtioNet.F_GUEST_CSUM;
        transmitting(net, checksumOnly, offloadedFrame(3000, VirtioNet.GSO_TCPV4, 34, 16));
        assertThatThrownBy(() -> net.queueNotified(VirtioNet.TX)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("GSO type 0x1, which was not negotiated");

        net.reset();
        transmitting(net, 0, offloadedFrame(100, VirtioNet.GSO_NONE, 34, 16));
        assertThatThrownBy(() -> net.queueNotified(VirtioNet.TX)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("partial checksum (NEEDS_CSUM), which was not negotiated");
        assertThat(tap.sent).isEmpty();
    }

    @Test
    void aTransmitWhoseChecksumLiesPastTheFrameBreaksTheRules() {
        transmitting(net, ALL_OFFLOADS, offloadedFrame(100, VirtioNet.GSO_NONE, 80, 16));

        assertThatThrownBy(() -> net.queueNotified(VirtioNet.TX)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("checksum field ends at byte 98, past the 88-byte frame");
    }

    @Test
    void aSegmentedFrameTheGuestDidNotAgreeToIsNotDelivered() {
        QueueDriver driver = new QueueDriver(16, 2).features(VirtioNet.F_GUEST_CSUM | VirtioNet.F_MRG_RXBUF);
        net.activate(driver);
        driver.submitTo(VirtioNet.RX, new long[] {driver.buffer(new byte[0], 4096), 4096, 1});
        tap.incoming.add(offloadedFrame(3000, VirtioNet.GSO_TCPV6, 54, 16));
        tap.incoming.add(offloadedFrame(1500, VirtioNet.GSO_NONE, 34, 16));

        driver.readable.run();

        assertThat(driver.usedOf(VirtioNet.RX)).extracting(entry -> entry[1]).containsExactly(1500);
    }

    @Test
    void resetStopsWatchingAndCloseClosesTheTap() {
        QueueDriver driver = new QueueDriver(16, 2);
        net.activate(driver);
        net.reset();
        net.close();

        assertThat(driver.readable).isNull();
        assertThat(tap.closed).isTrue();
    }

    @Test
    void macAddressesAreParsedOrDerived() {
        assertThat(VirtioNetDriver.parseMac("52:54:00:ab:cd:ef")).containsExactly(0x52, 0x54, 0x00, 0xab, 0xcd, 0xef);
        assertThatThrownBy(() -> VirtioNetDriver.parseMac("52:54:00:ab:cd")).hasMessageContaining("six hex bytes");
        assertThatThrownBy(() -> VirtioNetDriver.parseMac("01:00:00:00:00:01")).hasMessageContaining("multicast");
        assertThat(VirtioNetDriver.defaultMac("vm", "net0")).startsWith(0x52, 0x54, 0x00)
                .isEqualTo(VirtioNetDriver.defaultMac("vm", "net0"))
                .isNotEqualTo(VirtioNetDriver.defaultMac("vm", "net1"));
    }
}
