package io.hotvisor.qmp.server;

import io.hotvisor.qmp.protocol.JsonWriter;
import io.hotvisor.qmp.protocol.QmpSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected QMP client: a reader thread that parses and runs its commands, and a writer
 * thread that sends answers and events in order (so an event published on a vCPU thread never
 * waits for a slow client). A client whose queue of unsent events overflows is disconnected.
 * The writer closes the connection; {@link #abort()} closes it at once.
 */
final class QmpClient {
    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
    static final int MAX_QUEUED = 1024;
    private static final String CLOSE = "\0close";

    private final QmpServer server;
    private final SocketChannel channel;
    private final String name;
    private final QmpSession session;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
    private final Thread reader;
    private final Thread writer;
    private volatile boolean closed;

    QmpClient(QmpServer server, SocketChannel channel, String name) {
        this.server = server;
        this.channel = channel;
        this.name = name;
        this.session = new QmpSession(server.vm(), server.services(), server.registry(), this::reply, false);
        this.reader = new Thread(this::read, name);
        this.writer = new Thread(this::write, name + "-out");
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    void start() {
        queue.add(JsonWriter.write(QmpSession.greeting(server.services())) + "\r\n");
        writer.start();
        reader.start();
    }

    String name() {
        return name;
    }

    /** An answer: waits for room (the reader thread slows down with its client). */
    private void reply(String json) {
        enqueueWaiting(json + "\r\n");
    }

    private void enqueueWaiting(String line) {
        try {
            while (!closed && !queue.offer(line, 100, TimeUnit.MILLISECONDS)) {
                // the writer is blocked on a client that does not read
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An event, if the client negotiated; never blocks the publisher. */
    void event(String json) {
        if (closed || !session.negotiated()) {
            return;
        }
        if (!queue.offer(json + "\r\n")) {
            LOG.warn("QMP client {} does not read its events: disconnecting it", name);
            abort();
        }
    }

    private void read() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        try {
            while (!closed && !session.closing()) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    break;
                }
                session.feed(buffer.array(), 0, n);
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("QMP client {}: {}", name, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("QMP client {} failed", name, e);
        } finally {
            enqueueWaiting(CLOSE);
        }
    }

    private void write() {
        try {
            while (true) {
                String line = queue.take();
                if (line == CLOSE) {
                    break;
                }
                ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        } catch (IOException | InterruptedException e) {
            LOG.debug("QMP client {}: {}", name, e.toString());
        } finally {
            closed = true;
            closeChannel();
            queue.clear();
            server.removed(this);
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing QMP client {}: {}", name, e.toString());
        }
    }

    /** Closes the connection now; both threads end. */
    void abort() {
        closed = true;
        closeChannel();
        queue.clear();
        queue.offer(CLOSE);
    }

    void join(long millis) throws InterruptedException {
        reader.join(millis);
        writer.join(millis);
    }
}
