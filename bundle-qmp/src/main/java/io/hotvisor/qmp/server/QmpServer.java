package io.hotvisor.qmp.server;

import io.hotvisor.qmp.QmpServices;
import io.hotvisor.qmp.command.CommandRegistry;
import io.hotvisor.qmp.protocol.JsonWriter;
import io.hotvisor.qmp.protocol.QmpSession;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QMP server of one VM: a UNIX socket (mode 0600, only this user's and root's connections
 * are served) and optionally a TCP port on 127.0.0.1, one acceptor thread each
 * ({@code qmp-VM-accept}, {@code qmp-VM-tcp-accept}), two threads per client and a timer thread
 * ({@code qmp-VM-timer}) for negotiation deadlines and event windows. {@link QmpLimits} bound
 * each listener's clients, each client's queued output and its time to negotiate; events are
 * rate-limited as QEMU does ({@link EventThrottle}). {@link #close()} closes the listeners and
 * every client and waits for all their threads.
 */
public final class QmpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QmpServer.class);
    private static final long JOIN_MILLIS = 5000;
    /** Refusals are logged at most this often, per listener, however fast a client reconnects. */
    static final long REFUSAL_LOG_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Vm vm;
    private final QmpServices services;
    private final CommandRegistry registry;
    private final QmpLimits limits;
    private final Ticker ticker;
    private final EventThrottle throttle;
    private final RateLimitedWarning unixRefusals;
    private final RateLimitedWarning tcpRefusals;
    private final List<QmpClient> clients = new CopyOnWriteArrayList<>();
    /** What cancels each client's negotiation deadline, so that no deadline outlives its client. */
    private final Map<QmpClient, Runnable> deadlines = new ConcurrentHashMap<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final AtomicInteger clientNumbers = new AtomicInteger();
    private final String owner;
    private Path socketPath;
    private int tcpPort = -1;
    private volatile boolean closed;

    public QmpServer(Vm vm, QmpServices services, CommandRegistry registry, QmpLimits limits) {
        this(vm, services, registry, limits, Ticker.system("qmp-" + vm.name() + "-timer"));
    }

    QmpServer(Vm vm, QmpServices services, CommandRegistry registry, QmpLimits limits, Ticker ticker) {
        this.vm = vm;
        this.services = services;
        this.registry = registry;
        this.limits = limits;
        this.ticker = ticker;
        this.throttle = new EventThrottle(ticker, this::send);
        this.unixRefusals = new RateLimitedWarning(LOG, ticker, REFUSAL_LOG_NANOS);
        this.tcpRefusals = new RateLimitedWarning(LOG, ticker, REFUSAL_LOG_NANOS);
        this.owner = System.getProperty("user.name");
    }

    Vm vm() {
        return vm;
    }

    QmpServices services() {
        return services;
    }

    CommandRegistry registry() {
        return registry;
    }

    QmpLimits limits() {
        return limits;
    }

    /** The UNIX socket this server listens on, or null. */
    public Path socketPath() {
        return socketPath;
    }

    /** The TCP port on 127.0.0.1, or -1 when there is none. */
    public int tcpPort() {
        return tcpPort;
    }

    public int clients() {
        return clients.size();
    }

    /** Listens on {@code path} (created 0600; a stale socket file there is replaced). */
    public synchronized void listenUnix(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path)) {
            if (answers(path)) {
                throw new IOException(path + " is in use by another QMP server");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        socketPath = path;
        start(server, "qmp-" + vm.name() + "-accept", true);
    }

    /** Listens on 127.0.0.1:{@code port} (0 picks a free port). */
    public synchronized void listenTcp(int port) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        tcpPort = ((InetSocketAddress) server.getLocalAddress()).getPort();
        start(server, "qmp-" + vm.name() + "-tcp-accept", false);
    }

    private static boolean answers(Path path) {
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void start(ServerSocketChannel server, String threadName, boolean unix) {
        listeners.add(server);
        Thread acceptor = new Thread(() -> accept(server, unix), threadName);
        acceptor.setDaemon(true);
        acceptors.add(acceptor);
        acceptor.start();
    }

    private void accept(ServerSocketChannel server, boolean unix) {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                LOG.warn("QMP server of {}: accept failed: {}", vm.name(), e.toString());
                sleep();
                continue;
            }
            if (!closed) {
                admit(channel, unix);
            } else {
                close(channel);
            }
        }
    }

    private void admit(SocketChannel channel, boolean unix) {
        RateLimitedWarning refusals = unix ? unixRefusals : tcpRefusals;
        String user = unix ? peerUser(channel) : null;
        if (user != null && !user.equals(owner) && !user.equals("root")) {
            // Only the socket's owner (this process's user) and root; mode 0600 says the same.
            refusals.warn("QMP server of " + vm.name() + ": refusing a connection from user " + user);
            close(channel);
            return;
        }
        int limit = unix ? limits.unixClients() : limits.tcpClients();
        if (clients.stream().filter(client -> client.unix() == unix).count() >= limit) {
            refusals.warn("QMP server of " + vm.name() + ": " + limit + " " + (unix ? "UNIX socket" : "TCP")
                    + " clients already connected, refusing another");
            close(channel);
            return;
        }
        QmpClient client = new QmpClient(this, channel, "qmp-" + vm.name() + "-" + clientNumbers.incrementAndGet(),
                unix ? "unix socket, user " + user : "tcp " + remoteAddress(channel), unix);
        clients.add(client);
        deadlines.put(client, ticker.schedule(() -> negotiationDeadline(client), limits.negotiationTimeout().toNanos()));
        client.start();
    }

    /** The connecting user, or null where SO_PEERCRED is not available (the file mode still applies). */
    private static String peerUser(SocketChannel channel) {
        try {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return peer.user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String remoteAddress(SocketChannel channel) {
        try {
            return String.valueOf(channel.getRemoteAddress());
        } catch (IOException e) {
            return "unknown peer";
        }
    }

    /** A client that has not negotiated in time holds a slot for nothing: it is closed. */
    private void negotiationDeadline(QmpClient client) {
        deadlines.remove(client);
        if (!client.negotiated() && !client.closed()) {
            LOG.info("QMP client {} did not negotiate capabilities within {} s: disconnecting it", client,
                    limits.negotiationTimeout().toSeconds());
            client.abort();
        }
    }

    /** Sends an event to every client that completed negotiation, rate-limited as QEMU does. */
    public void broadcast(VmEvent event) {
        throttle.publish(event);
    }

    private void send(VmEvent event) {
        if (clients.isEmpty()) {
            return;
        }
        String json = JsonWriter.write(QmpSession.eventJson(event));
        for (QmpClient client : clients) {
            client.event(json);
        }
    }

    void removed(QmpClient client) {
        clients.remove(client);
        Runnable deadline = deadlines.remove(client);
        if (deadline != null) {
            deadline.run();
        }
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ServerSocketChannel listener : listeners) {
            try {
                listener.close();
            } catch (IOException e) {
                LOG.debug("closing a QMP listener of {}: {}", vm.name(), e.toString());
            }
        }
        boolean interrupted = false;
        for (Thread acceptor : acceptors) {
            try {
                acceptor.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        List<QmpClient> open = List.copyOf(clients);
        open.forEach(QmpClient::abort);
        for (QmpClient client : open) {
            try {
                client.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        clients.clear();
        ticker.close();
        if (socketPath != null) {
            try {
                Files.deleteIfExists(socketPath);
            } catch (IOException e) {
                LOG.debug("removing {}: {}", socketPath, e.toString());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
