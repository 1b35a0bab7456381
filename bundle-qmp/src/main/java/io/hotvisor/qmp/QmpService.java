package io.hotvisor.qmp;

import io.hotvisor.qmp.command.CommandRegistry;
import io.hotvisor.qmp.command.CpuCommands;
import io.hotvisor.qmp.command.DeviceCommands;
import io.hotvisor.qmp.command.MemoryCommands;
import io.hotvisor.qmp.command.StatusCommands;
import io.hotvisor.qmp.hmp.HmpCommands;
import io.hotvisor.qmp.protocol.QmpSession;
import io.hotvisor.qmp.server.QmpLimits;
import io.hotvisor.qmp.server.QmpServer;
import io.hotvisor.qmp.server.SocketPaths;
import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.GedEvents;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QMP for every VM: a {@link VmListener} that starts a VM's {@link QmpServer} when the VM is
 * defined and closes it when the VM is destroyed, and passes each VM event on to that VM's
 * negotiated clients (the events bridge). Also runs single commands for {@code qmp:exec}.
 * Deactivating the component (bundle stop or update) closes every socket and thread.
 */
@Component(service = {VmListener.class, QmpService.class}, immediate = true)
public final class QmpService implements VmListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QmpService.class);
    /** The VM option naming a loopback TCP port for QMP. */
    public static final String TCP_OPTION = "qmp.tcp";

    private final Path dataRoot;
    private final QmpServices services;
    private final CommandRegistry registry = new CommandRegistry();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A VM known to QMP, and its server (null if it could not listen). */
    private record Endpoint(Vm vm, QmpServer server) {
    }

    /** The OSGi component: VM data under {@code ${karaf.data}/hotvisor}, like the VM manager's. */
    public QmpService() {
        this(defaultDataRoot(), new QmpServices("Hotvisor " + bundleVersion()));
    }

    public QmpService(Path dataRoot, QmpServices services) {
        this.dataRoot = dataRoot;
        this.services = services;
        StatusCommands.register(registry);
        DeviceCommands.register(registry);
        MemoryCommands.register(registry);
        CpuCommands.register(registry);
        HmpCommands.register(registry);
    }

    private static Path defaultDataRoot() {
        String karafData = System.getProperty("karaf.data");
        return Path.of(karafData != null ? karafData : System.getProperty("java.io.tmpdir"), "hotvisor");
    }

    private static String bundleVersion() {
        Properties properties = new Properties();
        try (InputStream in = QmpService.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            LOG.debug("no version.properties: {}", e.toString());
        }
        return properties.getProperty("version", "unknown");
    }

    public QmpServices services() {
        return services;
    }

    /** The command registry: command groups of later capabilities register here. */
    public CommandRegistry registry() {
        return registry;
    }

    public Optional<QmpServer> server(String vmName) {
        return Optional.ofNullable(endpoints.get(vmName)).map(Endpoint::server);
    }

    @Override
    public void created(Vm vm) {
        if (closed) {
            return;
        }
        endpoints.computeIfAbsent(vm.name(), name -> new Endpoint(vm, listen(vm)));
    }

    private QmpServer listen(Vm vm) {
        QmpServer server = new QmpServer(vm, services, registry, limits(vm));
        try {
            listenUnix(server, vm.name());
        } catch (IOException | RuntimeException e) {
            LOG.error("VM {}: no QMP socket: {}", vm.name(), e.toString());
        }
        String tcp = vm.spec().options().get(TCP_OPTION);
        if (tcp != null && !tcp.isBlank()) {
            try {
                server.listenTcp(Integer.parseInt(tcp.trim()));
                LOG.info("VM {}: QMP on tcp 127.0.0.1:{}", vm.name(), server.tcpPort());
            } catch (IOException | RuntimeException e) {
                LOG.error("VM {}: no QMP on tcp port '{}': {}", vm.name(), tcp, e.toString());
            }
        }
        return server;
    }

    private static QmpLimits limits(Vm vm) {
        try {
            return QmpLimits.of(vm.spec().options());
        } catch (VmException e) {
            LOG.error("VM {}: {}: QMP uses its default limits", vm.name(), e.getMessage());
            return QmpLimits.DEFAULTS;
        }
    }

    /**
     * Listens on {@code DATA/hotvisor/VM/qmp.sock}, or on {@link SocketPaths#fallback} when that
     * path is too long for a UNIX socket or cannot be bound (a data directory on 9p/virtfs, where
     * bind() fails with "No such device or address").
     */
    private void listenUnix(QmpServer server, String name) throws IOException {
        Path preferred = SocketPaths.preferred(dataRoot.resolve(name));
        String problem;
        if (SocketPaths.fits(preferred)) {
            try {
                server.listenUnix(preferred);
                LOG.info("VM {}: QMP on {}", name, preferred);
                return;
            } catch (IOException e) {
                problem = "cannot be bound (" + e + ")";
            }
        } else {
            problem = "is longer than a UNIX socket path may be (" + SocketPaths.MAX_PATH_BYTES + " bytes)";
        }
        Path fallback = SocketPaths.fallback(name);
        LOG.warn("VM {}: {} {}: QMP listens on {} instead", name, preferred, problem, fallback);
        server.listenUnix(fallback);
        LOG.info("VM {}: QMP on {}", name, fallback);
    }

    @Override
    public void destroyed(Vm vm) {
        Endpoint endpoint = endpoints.get(vm.name());
        if (endpoint != null && endpoint.vm() == vm) {
            endpoints.remove(vm.name(), endpoint);
            endpoint.server().close();
        }
    }

    /** The events bridge: each VM event to that VM's negotiated clients. */
    @Override
    public void event(VmEvent event) {
        Endpoint endpoint = endpoints.get(event.vm());
        if (endpoint != null) {
            endpoint.server().broadcast(event);
        }
    }

    /**
     * Runs QMP input on a VM as an already negotiated client would ({@code qmp:exec}); returns
     * one JSON answer per command, in order.
     */
    public List<String> execute(String vmName, String input) {
        Endpoint endpoint = endpoints.get(vmName);
        if (endpoint == null) {
            throw new VmException("no VM named '" + vmName + "'");
        }
        List<String> answers = new ArrayList<>();
        QmpSession session = new QmpSession(endpoint.vm(), services, registry, answers::add, true);
        byte[] bytes = (input + "\n").getBytes(StandardCharsets.UTF_8);
        session.feed(bytes, 0, bytes.length);
        session.flush();
        return answers;
    }

    @Deactivate
    @Override
    public void close() {
        closed = true;
        for (String name : List.copyOf(endpoints.keySet())) {
            Endpoint endpoint = endpoints.remove(name);
            if (endpoint != null) {
                endpoint.server().close();
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetDeviceManager")
    void setDeviceManager(DeviceManager deviceManager) {
        services.setDeviceManager(deviceManager);
    }

    void unsetDeviceManager(DeviceManager deviceManager) {
        services.unset(deviceManager);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetCpuHotplug")
    void setCpuHotplug(CpuHotplug cpuHotplug) {
        services.setCpuHotplug(cpuHotplug);
    }

    void unsetCpuHotplug(CpuHotplug cpuHotplug) {
        services.unset(cpuHotplug);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unsetGedEvents")
    void setGedEvents(GedEvents gedEvents) {
        services.setGedEvents(gedEvents);
    }

    void unsetGedEvents(GedEvents gedEvents) {
        services.unset(gedEvents);
    }
}
