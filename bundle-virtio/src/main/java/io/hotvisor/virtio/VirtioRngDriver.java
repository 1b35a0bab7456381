package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Component;

/** {@code virtio-rng-pci}: entropy for the guest's {@code /dev/hwrng} from the host's {@code /dev/urandom}. */
@Component(service = DeviceDriver.class)
public final class VirtioRngDriver implements DeviceDriver {
    static final String NAME = "virtio-rng-pci";
    /** Unlike QEMU (unlimited), a budget by default: 1 MiB per second, plenty for a guest's pool. */
    static final long DEFAULT_MAX_BYTES = 1 << 20;
    static final long DEFAULT_PERIOD_MILLIS = 1000;
    private static final Path SOURCE = Path.of("/dev/urandom");
    private static final Map<String, String> PROPERTIES = new LinkedHashMap<>();

    static {
        PROPERTIES.put("max-bytes", "bytes the guest may take per period (default " + DEFAULT_MAX_BYTES + ")");
        PROPERTIES.put("period", "the period in milliseconds (default " + DEFAULT_PERIOD_MILLIS + ")");
        PROPERTIES.put("addr", "PCI slot, in hex (default: the first free one)");
    }

    /**
     * Wakes devices whose budget ran out when their next period starts. Its thread ends when idle,
     * so it needs no shutdown: devices of running VMs keep using it across an update of this bundle.
     */
    private final ScheduledExecutorService timer = idleEndingTimer();

    private static ScheduledExecutorService idleEndingTimer() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "virtio-rng-timer");
            thread.setDaemon(true);
            return thread;
        });
        executor.setKeepAliveTime(10, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "virtio entropy source (host /dev/urandom, rate-limited)";
    }

    @Override
    public Map<String, String> properties() {
        return Map.copyOf(PROPERTIES);
    }

    @Override
    public void plug(Vm vm, String id, Map<String, Object> values) {
        DriverProperties properties = new DriverProperties(NAME, values, PROPERTIES.keySet());
        long maxBytes = properties.number("max-bytes", DEFAULT_MAX_BYTES);
        long period = properties.number("period", DEFAULT_PERIOD_MILLIS);
        if (maxBytes <= 0 || period <= 0) {
            throw new VmException(NAME + ": max-bytes and period must be positive");
        }
        FileChannel source;
        try {
            source = FileChannel.open(SOURCE, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new VmException(NAME + ": cannot open " + SOURCE + ": " + e.getMessage(), e);
        }
        VirtioRng device = new VirtioRng(source, maxBytes, period, timer, System::nanoTime);
        try {
            vm.virtio().plug(id, device, properties.slot());
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    @Override
    public void unplug(Vm vm, String id) {
        throw PciUnplug.notSupported(NAME);
    }
}
