package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class VirtioSerialTest {
    /** A host end the test drives by hand. */
    private static final class FakeEnd implements SerialPortEnd {
        final List<String> sent = new ArrayList<>();
        Consumer<byte[]> fromHost;
        Consumer<Boolean> openChanged;
        boolean connected;

        @Override
        public void start(Consumer<byte[]> sink, Consumer<Boolean> openSink) {
            fromHost = sink;
            openChanged = openSink;
        }

        @Override
        public void stop() {
            fromHost = null;
            openChanged = null;
        }

        @Override
        public boolean connected() {
            return connected;
        }

        @Override
        public void send(byte[] bytes) {
            sent.add(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
        }
    }

    private final FakeEnd consoleEnd = new FakeEnd();
    private final FakeEnd agentEnd = new FakeEnd();
    private final VirtioSerial serial = new VirtioSerial(List.of(new VirtioSerial.Port(0, null, consoleEnd),
            new VirtioSerial.Port(1, "org.qemu.guest_agent.0", agentEnd)));
    private final QueueDriver driver = new QueueDriver(16, 6);

    private static byte[] control(int id, int event, int value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(id).putShort((short) event)
                .putShort((short) value).array();
    }

    /** The control messages the device sent, as "id event value [name]". */
    private List<String> controlReceived(List<long[]> buffers) {
        List<String> messages = new ArrayList<>();
        List<int[]> used = driver.usedOf(VirtioSerial.CONTROL_RX);
        for (int i = 0; i < used.size(); i++) {
            byte[] message = driver.read(buffers.get(i)[0], used.get(i)[1]);
            ByteBuffer fields = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            String text = fields.getInt(0) + " " + fields.getShort(4) + " " + fields.getShort(6);
            if (message.length > 8) {
                text += " " + new String(Arrays.copyOfRange(message, 8, message.length), StandardCharsets.UTF_8);
            }
            messages.add(text);
        }
        return messages;
    }

    private List<long[]> controlBuffers(int count) {
        List<long[]> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long[] buffer = {driver.buffer(new byte[0], 64), 64, 1};
            driver.submitTo(VirtioSerial.CONTROL_RX, buffer);
            buffers.add(buffer);
        }
        return buffers;
    }

    private void sendControl(byte[] message) {
        driver.submitTo(VirtioSerial.CONTROL_TX, new long[] {driver.buffer(message, message.length), message.length, 0});
        serial.queueNotified(VirtioSerial.CONTROL_TX);
    }

    @Test
    void theConfigurationAndQueuesCoverEveryPort() {
        byte[] config = new byte[VirtioSerial.CONFIG_SIZE];
        serial.readConfig(0, config);
        assertThat(ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN).getInt(4)).isEqualTo(2);
        assertThat(serial.queueMaxSizes()).hasSize(6);
        assertThat(VirtioSerial.receiveQueue(1)).isEqualTo(4);
        assertThat(VirtioSerial.transmitQueue(1)).isEqualTo(5);
    }

    @Test
    void theDriversHandshakeAnnouncesTheConsoleAndTheNamedPort() {
        agentEnd.connected = true;
        serial.activate(driver);
        List<long[]> buffers = controlBuffers(6);

        sendControl(control(0, VirtioSerial.DEVICE_READY, 1));
        sendControl(control(0, VirtioSerial.PORT_READY, 1));
        sendControl(control(1, VirtioSerial.PORT_READY, 1));

        assertThat(controlReceived(buffers)).containsExactly("0 1 1", "1 1 1", "0 4 1", "1 7 1 org.qemu.guest_agent.0",
                "1 6 1");
    }

    @Test
    void bytesFlowBothWaysAndTheHostOpeningIsAnnounced() {
        serial.activate(driver);
        List<long[]> buffers = controlBuffers(4);
        sendControl(control(1, VirtioSerial.PORT_READY, 1));
        agentEnd.openChanged.accept(true);
        assertThat(controlReceived(buffers)).containsExactly("1 7 1 org.qemu.guest_agent.0", "1 6 1");

        byte[] line = "{\"execute\":\"guest-ping\"}\n".getBytes(StandardCharsets.UTF_8);
        driver.submitTo(VirtioSerial.transmitQueue(1), new long[] {driver.buffer(line, line.length), line.length, 0});
        serial.queueNotified(VirtioSerial.transmitQueue(1));
        assertThat(agentEnd.sent).containsExactly("{\"execute\":\"guest-ping\"}\n");

        agentEnd.fromHost.accept("{\"return\": {}}\n".getBytes(StandardCharsets.UTF_8));
        long[] receive = {driver.buffer(new byte[0], 64), 64, 1};
        driver.submitTo(VirtioSerial.receiveQueue(1), receive);
        serial.queueNotified(VirtioSerial.receiveQueue(1));
        List<int[]> used = driver.usedOf(VirtioSerial.receiveQueue(1));
        assertThat(new String(driver.read(receive[0], used.get(0)[1]), StandardCharsets.UTF_8))
                .isEqualTo("{\"return\": {}}\n");
    }

    @Test
    void aResetStopsTheHostEnds() {
        serial.activate(driver);
        serial.reset();
        assertThat(agentEnd.fromHost).isNull();
        assertThat(consoleEnd.openChanged).isNull();
    }
}
