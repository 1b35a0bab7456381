package io.hotvisor.virtio;

import io.hotvisor.vmm.api.VmException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port's host end as a UNIX socket (mode 0600) that one client at a time may connect to, served
 * by a thread of its own ({@code virtio-serial-FILE}) with blocking accept and read.
 */
final class UnixSocketEnd implements SerialPortEnd {
    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketEnd.class);
    /** sun_path holds 108 bytes with its NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final long JOIN_MILLIS = 5_000;

    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile SocketChannel client;
    /** The selector the serving thread waits in while a client is connected; close() wakes it. */
    private volatile Selector waiting;
    private volatile Consumer<byte[]> fromHost;
    private volatile Consumer<Boolean> openChanged;

    UnixSocketEnd(Path path) {
        if (path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw new VmException("virtio-serial: socket path " + path + " is longer than " + MAX_PATH_BYTES + " bytes");
        }
        this.path = path;
        try {
            Files.createDirectories(path.getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.deleteIfExists(path);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new VmException("virtio-serial: cannot create " + path + ": " + e.getMessage(), e);
        }
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            closeQuietly();
            throw new VmException("virtio-serial: cannot listen on " + path + ": " + e.getMessage(), e);
        }
        thread = new Thread(this::serve, "virtio-serial-" + path.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    Path path() {
        return path;
    }

    /** Accepts a client, then reads it (non-blocking, so the guest's writes never wait for it) until it goes. */
    private void serve() {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (server.isOpen()) {
            try (SocketChannel connection = server.accept(); Selector readable = Selector.open()) {
                connection.configureBlocking(false);
                connection.register(readable, SelectionKey.OP_READ);
                waiting = readable;
                client = connection;
                opened(true);
                int count = 0;
                while (count >= 0 && server.isOpen()) {
                    readable.select();
                    readable.selectedKeys().clear();
                    buffer.clear();
                    count = connection.read(buffer);
                    deliver(fromHost, count > 0 ? Arrays.copyOf(buffer.array(), count) : null);
                }
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.debug("{}: client gone: {}", path, e.toString());
                }
            } finally {
                if (client != null) {
                    client = null;
                    opened(false);
                }
            }
        }
    }

    private void opened(boolean open) {
        deliver(openChanged, open);
    }

    /** Hands something to the device; a device gone meanwhile (reset, VM stopped) costs only that item. */
    private <T> void deliver(Consumer<T> sink, T item) {
        if (sink == null || item == null) {
            return;
        }
        try {
            sink.accept(item);
        } catch (RuntimeException e) {
            LOG.debug("{}: dropped, the device is not taking input: {}", path, e.toString());
        }
    }

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
        return client != null;
    }

    @Override
    public void send(byte[] bytes) {
        SocketChannel connection = client;
        if (connection == null) {
            return;
        }
        try {
            // What the client's socket buffer cannot take now is dropped: a client that stops
            // reading must not stall the VM's I/O thread.
            connection.write(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            LOG.debug("{}: write failed: {}", path, e.toString());
        }
    }

    @Override
    public void close() {
        closeQuietly();
        Selector selector = waiting;
        if (selector != null) {
            selector.wakeup();
        }
        SocketChannel connection = client;
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) {
                LOG.debug("{}: {}", path, e.toString());
            }
        }
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", path, e.toString());
        }
    }

    private void closeQuietly() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("{}: {}", path, e.toString());
        }
    }
}
