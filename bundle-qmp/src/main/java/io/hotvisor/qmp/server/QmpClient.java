package io.hotvisor.qmp.server;

import io.hotvisor.qmp.protocol.JsonWriter;
import io.hotvisor.qmp.protocol.QmpSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected QMP client: a reader thread that parses and runs its commands, and a writer
 * thread that sends answers and events in order (so an event published on a vCPU thread never
 * waits for a slow client). Output waiting to be sent is bounded in bytes
 * ({@link QmpLimits#outputBytes()}): a client whose answers and events would pile up past it
 * does not read (or asked for an answer that large), and is disconnected. The writer closes the connection; {@link #abort()} closes it at once.
 */
final class QmpClient {
    private static final Logger LOG = LoggerFactory.getLogger(QmpClient.class);
    private static final String CLOSE = "\0close";

    private final QmpServer server;
    private final SocketChannel channel;
    private final String name;
    private final String peer;
    private final boolean unix;
    private final QmpSession session;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Thread writer;
    /** Output queued or being written, in bytes (JSON lines are ASCII: one byte per char). */
    private long queuedBytes;
    private volatile boolean closed;

    QmpClient(QmpServer server, SocketChannel channel, String name, String peer, boolean unix) {
        this.server = server;
        this.channel = channel;
        this.name = name;
        this.peer = peer;
        this.unix = unix;
        this.session = new QmpSession(server.vm(), server.services(), server.registry(), this::reply, false);
        this.reader = new Thread(this::read, name);
        this.writer = new Thread(this::write, name + "-out");
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    void start() {
        enqueue(JsonWriter.write(QmpSession.greeting(server.services())) + "\r\n");
        writer.start();
        reader.start();
    }

    /** Which client, for log lines: its thread name, VM and peer. */
    @Override
    public String toString() {
        return name + " of VM " + server.vm().name() + " (" + peer + ")";
    }

    boolean unix() {
        return unix;
    }

    boolean negotiated() {
        return session.negotiated();
    }

    boolean closed() {
        return closed;
    }

    private void reply(String json) {
        enqueue(json + "\r\n");
    }

    /** An event, if the client negotiated; never blocks the publisher. */
    void event(String json) {
        if (session.negotiated()) {
            enqueue(json + "\r\n");
        }
    }

    /**
     * Queues a line, or disconnects the client if that would take its output past the bound: it
     * does not read, or it asked for an answer larger than the bound (a long {@code id} echoed).
     */
    private void enqueue(String line) {
        long queued;
        synchronized (this) {
            if (closed) {
                return;
            }
            queued = queuedBytes;
            if (queued + line.length() <= server.limits().outputBytes()) {
                queuedBytes += line.length();
                queue.add(line);
                return;
            }
            closed = true; // one thread logs and aborts
        }
        LOG.warn("QMP client {}: {} bytes of output queued, {} more would exceed the limit of {}: disconnecting it",
                this, queued, line.length(), server.limits().outputBytes());
        abort();
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
                LOG.debug("QMP client {}: {}", this, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.warn("QMP client {} failed", this, e);
        } finally {
            queue.add(CLOSE);
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
                synchronized (this) {
                    if (!closed) {
                        queuedBytes -= line.length();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            LOG.debug("QMP client {}: {}", this, e.toString());
        } finally {
            abort();
            server.removed(this);
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing QMP client {}: {}", this, e.toString());
        }
    }

    /** Closes the connection now and drops what is queued; both threads end. */
    void abort() {
        synchronized (this) {
            closed = true;
            queue.clear();
            queuedBytes = 0;
        }
        closeChannel();
        queue.add(CLOSE);
    }

    void join(long millis) throws InterruptedException {
        reader.join(millis);
        writer.join(millis);
    }
}
