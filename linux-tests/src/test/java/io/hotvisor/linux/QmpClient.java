package io.hotvisor.linux;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * A minimal QMP client on a UNIX socket, for the benchmarks' QEMU side: commands answered in
 * order, events read as they come, each line with the nanoTime it was read (the caller waits in
 * a select while it waits for a line, so that is when it arrived).
 */
final class QmpClient implements AutoCloseable {
    /** A line QEMU sent and when it arrived. */
    record Line(String text, long nanoTime) {
    }

    private final Duration timeout;
    private final SocketChannel channel;
    private final Selector selector;
    private final Deque<Line> pending = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();

    /**
     * Connects once QEMU has made the socket (looking every millisecond: the start-up metric
     * ends here), and negotiates capabilities; {@code timeout} bounds every wait.
     */
    QmpClient(Path socket, Duration timeout) throws IOException, InterruptedException {
        this.timeout = timeout;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no QMP socket " + socket + " after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(1);
        }
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector opened = null;
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            opened = Selector.open();
            channel.register(opened, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            // A caller may retry (a socket file exists before its server listens): nothing leaks.
            channel.close();
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
        selector = opened;
        try {
            awaitLine("\"QMP\"");
            command("{\"execute\":\"qmp_capabilities\"}");
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Sends {@code json} and waits for its answer; fails on an error answer. */
    void command(String json) throws IOException {
        ByteBuffer request = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
        while (request.hasRemaining()) {
            channel.write(request);
        }
        Line answer = awaitLine("\"return\"");
        if (answer.text().contains("\"error\"")) {
            throw new AssertionError("QEMU refused " + json + ": " + answer.text());
        }
    }

    /** Reads lines until one holds every {@code needle} (or is an error answer); returns it. */
    Line awaitLine(String... needles) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            while (!pending.isEmpty()) {
                Line line = pending.poll();
                if (line.text().contains("\"error\"") || Arrays.stream(needles).allMatch(line.text()::contains)) {
                    return line;
                }
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("QEMU sent no line with " + Arrays.toString(needles) + " within "
                        + timeout.toSeconds() + " s");
            }
            selector.select(left);
            selector.selectedKeys().clear();
            buffer.clear();
            if (channel.read(buffer) < 0) {
                throw new AssertionError("QEMU closed its QMP socket");
            }
            long arrived = System.nanoTime();
            partial.append(new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8));
            int newline;
            while ((newline = partial.indexOf("\n")) >= 0) {
                pending.add(new Line(partial.substring(0, newline), arrived));
                partial.delete(0, newline + 1);
            }
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
