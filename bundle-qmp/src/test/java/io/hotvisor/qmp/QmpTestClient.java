package io.hotvisor.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A QMP client for tests: sends raw text, reads CRLF-terminated lines (checked to end in CRLF)
 * on a thread of its own, and notices when the server closes the connection.
 */
public final class QmpTestClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String EOF = "\0eof";

    private final SocketChannel channel;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean eof;

    private QmpTestClient(SocketAddress address) throws IOException {
        channel = SocketChannel.open(address);
        reader = new Thread(this::read, "test-qmp-client");
        reader.setDaemon(true);
        reader.start();
    }

    public static QmpTestClient unix(Path socket) throws IOException {
        return new QmpTestClient(UnixDomainSocketAddress.of(socket));
    }

    public static QmpTestClient tcp(int port) throws IOException {
        return new QmpTestClient(new InetSocketAddress("127.0.0.1", port));
    }

    /** Connects, checks the greeting and negotiates. */
    public static QmpTestClient negotiated(Path socket) throws IOException {
        QmpTestClient client = unix(socket);
        assertThat(client.line()).startsWith("{\"QMP\": ");
        assertThat(client.command("{\"execute\": \"qmp_capabilities\"}")).isEqualTo("{\"return\": {}}");
        return client;
    }

    private void read() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    line.write(b);
                    if (b == '\n') {
                        String text = line.toString(StandardCharsets.UTF_8);
                        if (!text.endsWith("\r\n")) {
                            lines.add("NOT CRLF-TERMINATED: " + text);
                        } else {
                            lines.add(text.substring(0, text.length() - 2));
                        }
                        line.reset();
                    }
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            eof = true;
            lines.add(EOF);
        }
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    public void send(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The next line, failing after {@link #TIMEOUT} or at end of stream. */
    public String line() {
        String line = poll(TIMEOUT);
        assertThat(line).as("a line from the server within " + TIMEOUT).isNotNull();
        assertThat(line).as("a line before the server closed the connection").isNotEqualTo(EOF);
        assertThat(line).doesNotStartWith("NOT CRLF-TERMINATED");
        return line;
    }

    /** The next line, null after the timeout, {@link #isEof} markers included. */
    public String poll(Duration timeout) {
        try {
            return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static boolean isEof(String line) {
        return EOF.equals(line);
    }

    public boolean closedByServer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof && System.nanoTime() < deadline) {
            String line = poll(Duration.ofMillis(50));
            if (isEof(line)) {
                return true;
            }
        }
        return eof;
    }

    /** Sends a command and returns the next line (the caller knows no event comes between). */
    public String command(String json) throws IOException {
        send(json + "\r\n");
        return line();
    }

    /** The next line that is not an event. */
    public String answer() {
        while (true) {
            String line = line();
            if (!line.startsWith("{\"timestamp\"")) {
                return line;
            }
        }
    }

    public static JsonObject json(String line) {
        return JsonParser.parseString(line).getAsJsonObject();
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
