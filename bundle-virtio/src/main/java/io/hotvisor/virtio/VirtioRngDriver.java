package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Component;

/** {@code virtio-rng-pci}: entropy for the guest's {@code /dev/hwrng} from the host's {@code /dev/urandom}. */
@Component(service = DeviceDriver.class)
public final class VirtioRngDriver extends VirtioDriver {
    static final String NAME = "virtio-rng-pci";
    /** Unlike QEMU (unlimited), a budget by default: 1 MiB per second, plenty for a guest's pool. */
    static final long DEFAULT_MAX_BYTES = 1 << 20;
    static final long DEFAULT_PERIOD_MILLIS = 1000;
    private static final Path SOURCE = Path.of("/dev/urandom");

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

    public VirtioRngDriver() {
        super(NAME, "virtio entropy source (host /dev/urandom, rate-limited)", Map.of(
                "max-bytes", "bytes the guest may take per period (default " + DEFAULT_MAX_BYTES + ")",
                "period", "the period in milliseconds (default " + DEFAULT_PERIOD_MILLIS + ")"));
    }

    @Override
    VirtioDevice create(Vm vm, String id, DriverProperties properties) {
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
        return new VirtioRng(source, maxBytes, period, timer, System::nanoTime);
    }
}
