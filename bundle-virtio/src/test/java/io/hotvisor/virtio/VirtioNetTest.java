package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioNetTest {
    private static final byte[] MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    /** Frames the host sends wait in {@code incoming}; what the guest sends lands in {@code sent}. */
    private static final class FakeTap implements Tap {
        final Deque<byte[]> incoming = new ArrayDeque<>();
        final List<byte[]> sent = new ArrayList<>();
        boolean closed;

        @Override
        public String name() {
            return "tap-test";
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

    private final FakeTap tap = new FakeTap();
    private final VirtioNet net = new VirtioNet(tap, MAC);

    private static byte[] frame(int length, int fill) {
        byte[] frame = new byte[length];
        Arrays.fill(frame, VirtioNet.HEADER, length, (byte) fill);
        return frame;
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
