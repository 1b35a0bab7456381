package io.hotvisor.virtio;

import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The console device with multiple ports (virtio 1.2 §5.3, {@code VIRTIO_CONSOLE_F_MULTIPORT}):
 * port 0 may be a console ({@code hvc0}), the others are named ports ({@code /dev/vportNpM},
 * {@code /sys/class/virtio-ports/.../name}). Each port's host end is a {@link SerialPortEnd} (a
 * UNIX socket). The control queues announce the ports and carry open and close both ways.
 * Queues: port 0 rx/tx (0, 1), control rx/tx (2, 3), then port N rx/tx (2N + 2, 2N + 3).
 */
final class VirtioSerial implements VirtioDevice {
    static final int TYPE = 3;
    static final long F_MULTIPORT = 1L << 1;
    static final int QUEUE_SIZE = 64;
    static final int CONTROL_RX = 2;
    static final int CONTROL_TX = 3;
    static final int CONFIG_SIZE = 12;

    static final int DEVICE_READY = 0;
    static final int DEVICE_ADD = 1;
    static final int PORT_READY = 3;
    static final int CONSOLE_PORT = 4;
    static final int PORT_OPEN = 6;
    static final int PORT_NAME = 7;
    static final int CONTROL_SIZE = 8;
    /** Control messages kept while the driver posts no receive buffers: a handful per port is all a handshake needs. */
    static final int MAX_CONTROL_PENDING = 64;
    /** Host bytes kept per port while the guest has no buffer for them. */
    static final int MAX_PENDING = 1 << 20;

    /** One port: its guest-side state and its host end. */
    static final class Port {
        final int id;
        final String name;
        final SerialPortEnd end;
        final Deque<byte[]> toGuest = new ArrayDeque<>();
        int pendingBytes;
        boolean guestReady;

        Port(int id, String name, SerialPortEnd end) {
            this.id = id;
            this.name = name;
            this.end = end;
        }

        boolean console() {
            return name == null;
        }
    }

    private final List<Port> ports;
    private final int maxPorts;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final Deque<byte[]> control = new ArrayDeque<>();
    private final byte[] transmitScratch = new byte[4096];
    private VirtioQueues queues;

    /** {@code ports} in id order; id 0 is the console when present (name null). */
    VirtioSerial(List<Port> ports) {
        this.ports = List.copyOf(ports);
        this.maxPorts = ports.stream().mapToInt(port -> port.id).max().orElse(0) + 1;
        ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN).putInt(4, maxPorts);
    }

    static int receiveQueue(int port) {
        return port == 0 ? 0 : 2 * port + 2;
    }

    static int transmitQueue(int port) {
        return receiveQueue(port) + 1;
    }

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public int pciClass() {
        return 0x078000;
    }

    @Override
    public long features() {
        return F_MULTIPORT;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return IntStream.range(0, 2 * maxPorts + 2).mapToObj(queue -> QUEUE_SIZE).toList();
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] data) {
        System.arraycopy(config, offset, data, 0, data.length);
    }

    @Override
    public void activate(VirtioQueues activated) {
        queues = activated;
        for (Port port : ports) {
            // The socket threads hold on to this activation's loop: after a reset its tasks do not run.
            port.end.start(bytes -> activated.ioLoop().execute(() -> fromHost(port, bytes)),
                    open -> activated.ioLoop().execute(() -> hostOpen(port, open)));
        }
    }

    @Override
    public void queueNotified(int index) {
        if (index == CONTROL_TX) {
            readControl();
        } else if (index == CONTROL_RX) {
            flushControl();
        } else {
            for (Port port : ports) {
                if (index == transmitQueue(port.id)) {
                    toHost(port);
                } else if (index == receiveQueue(port.id)) {
                    flushToGuest(port);
                }
            }
        }
    }

    private void readControl() {
        Virtqueue queue = queues.queue(CONTROL_TX);
        GuestMemory memory = queues.memory();
        for (DescriptorChain chain = queue.pop(memory); chain != null; chain = queue.pop(memory)) {
            queue.addUsed(memory, chain, 0);
            if (chain.readableBytes() < CONTROL_SIZE) {
                continue; // too short to mean anything: ignored, as Linux's own device side does
            }
            byte[] message = new byte[CONTROL_SIZE];
            chain.read(memory, 0, message, 0, CONTROL_SIZE);
            ByteBuffer fields = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            int id = fields.getInt(0);
            int event = Short.toUnsignedInt(fields.getShort(4));
            int value = Short.toUnsignedInt(fields.getShort(6));
            switch (event) {
                case DEVICE_READY -> ports.forEach(port -> sendControl(port.id, DEVICE_ADD, 1, null));
                case PORT_READY -> port(id).ifPresent(port -> announce(port, value == 1));
                default -> {
                    // PORT_OPEN from the guest (its side opened or closed) needs no answer.
                }
            }
        }
        queues.usedBuffers(CONTROL_TX);
        flushControl();
    }

    /** The guest's driver set the port up: say what it is, and whether the host end is connected. */
    private void announce(Port port, boolean ready) {
        port.guestReady = ready;
        if (!ready) {
            return;
        }
        if (port.console()) {
            sendControl(port.id, CONSOLE_PORT, 1, null);
        } else {
            sendControl(port.id, PORT_NAME, 1, port.name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (port.end.connected()) {
            sendControl(port.id, PORT_OPEN, 1, null);
        }
    }

    private java.util.Optional<Port> port(int id) {
        return ports.stream().filter(port -> port.id == id).findFirst();
    }

    private void sendControl(int id, int event, int value, byte[] extra) {
        if (control.size() >= MAX_CONTROL_PENDING) {
            throw new VirtqueueException("virtio-serial: " + control.size() + " control messages wait for receive"
                    + " buffers the driver does not give");
        }
        int length = CONTROL_SIZE + (extra == null ? 0 : extra.length);
        ByteBuffer message = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        message.putInt(id).putShort((short) event).putShort((short) value);
        if (extra != null) {
            message.put(extra);
        }
        control.add(message.array());
    }

    private void flushControl() {
        Virtqueue queue = queues.queue(CONTROL_RX);
        GuestMemory memory = queues.memory();
        boolean answered = false;
        while (!control.isEmpty()) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                break;
            }
            byte[] message = control.poll();
            int length = (int) Math.min(message.length, chain.writableBytes());
            chain.write(memory, 0, message, 0, length);
            queue.addUsed(memory, chain, length);
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(CONTROL_RX);
        }
    }

    private void toHost(Port port) {
        Virtqueue queue = queues.queue(transmitQueue(port.id));
        GuestMemory memory = queues.memory();
        for (DescriptorChain chain = queue.pop(memory); chain != null; chain = queue.pop(memory)) {
            for (long done = 0; done < chain.readableBytes(); done += transmitScratch.length) {
                int length = (int) Math.min(transmitScratch.length, chain.readableBytes() - done);
                chain.read(memory, done, transmitScratch, 0, length);
                port.end.send(Arrays.copyOf(transmitScratch, length));
            }
            queue.addUsed(memory, chain, 0);
        }
        queues.usedBuffers(transmitQueue(port.id));
    }

    private void fromHost(Port port, byte[] bytes) {
        if (port.pendingBytes + bytes.length > MAX_PENDING) {
            return; // the guest is not reading: drop, as a full serial line would
        }
        port.toGuest.add(bytes);
        port.pendingBytes += bytes.length;
        flushToGuest(port);
    }

    private void hostOpen(Port port, boolean open) {
        if (port.guestReady) {
            sendControl(port.id, PORT_OPEN, open ? 1 : 0, null);
            flushControl();
        }
    }

    private void flushToGuest(Port port) {
        Virtqueue queue = queues.queue(receiveQueue(port.id));
        GuestMemory memory = queues.memory();
        boolean answered = false;
        while (!port.toGuest.isEmpty()) {
            DescriptorChain chain = queue.pop(memory);
            if (chain == null) {
                break;
            }
            byte[] bytes = port.toGuest.poll();
            int length = (int) Math.min(bytes.length, chain.writableBytes());
            chain.write(memory, 0, bytes, 0, length);
            queue.addUsed(memory, chain, length);
            port.pendingBytes -= bytes.length;
            if (length < bytes.length) {
                byte[] rest = Arrays.copyOfRange(bytes, length, bytes.length);
                port.toGuest.addFirst(rest);
                port.pendingBytes += rest.length;
            }
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(receiveQueue(port.id));
        }
    }

    @Override
    public void reset() {
        for (Port port : ports) {
            port.end.stop();
            port.guestReady = false;
            port.toGuest.clear();
            port.pendingBytes = 0;
        }
        control.clear();
        queues = null;
    }

    @Override
    public void close() {
        ports.forEach(port -> port.end.close());
    }
}
