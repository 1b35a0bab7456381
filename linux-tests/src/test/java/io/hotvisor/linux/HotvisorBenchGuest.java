package io.hotvisor.linux;

import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmListener;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The kit booted under Hotvisor for a benchmark: the VM manager and device manager of the test
 * class's {@link LinuxGuests.Guests}, called in-process (the requests QMP's device_add and
 * device_del end in), the console timed by a {@link TimedOutput}, DEVICE_DELETED timed by a VM
 * listener. Closing it destroys the VM.
 */
final class HotvisorBenchGuest extends BenchGuest {
    private static final Duration DELETED = Duration.ofSeconds(60);

    private final LinuxGuests.Guests guests;
    private final LinuxGuest guest;
    private final TimedOutput output = new TimedOutput();
    private final Map<String, Long> deleted = new HashMap<>();
    private final VmListener deletions = new VmListener() {
        @Override
        public void event(VmEvent event) {
            if (event.vm().equals(guest.vm().name()) && event.payload() instanceof VmEvent.DeviceDeleted device) {
                long now = System.nanoTime();
                synchronized (deleted) {
                    deleted.put(device.device(), now);
                    deleted.notifyAll();
                }
            }
        }
    };
    private final double bootMillis;

    /**
     * Boots the kit as {@code name}, with VM {@code options} and {@code extraCmdline} after the
     * kit's command line, and returns once its shell prompts.
     */
    HotvisorBenchGuest(LinuxGuests.Guests guests, String name, int vcpus, int maxVcpus, long memoryBytes,
                       Map<String, String> options, String extraCmdline) throws InterruptedException {
        this.guests = guests;
        long start = System.nanoTime();
        guest = guests.boot(name, vcpus, maxVcpus, memoryBytes, options, extraCmdline, output::accept);
        bootMillis = (output.awaitMarkerLine(LinuxKit.get().marker(), LinuxGuests.BOOT, name) - start) / 1e6;
        guests.manager().addListener(deletions);
    }

    @Override
    double bootMillis() {
        return bootMillis;
    }

    @Override
    public String sh(String command) {
        return guest.sh(command);
    }

    @Override
    long awaitMarker(String marker, Duration timeout) throws InterruptedException {
        return output.awaitMarkerLine(marker, timeout, guest.vm().name());
    }

    @Override
    void deviceAdd(String driver, String id, Map<String, Object> properties) {
        guests.devices().add(guest.vm(), driver, id, properties);
    }

    @Override
    void deviceDel(String id) {
        synchronized (deleted) {
            deleted.remove(id);
        }
        guests.devices().remove(guest.vm(), id);
    }

    @Override
    long awaitDeviceDeleted(String id) throws InterruptedException {
        long deadline = System.nanoTime() + DELETED.toNanos();
        synchronized (deleted) {
            while (!deleted.containsKey(id)) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw guest.failure("no DEVICE_DELETED for " + id + " within " + DELETED.toSeconds() + " s");
                }
                deleted.wait(left);
            }
            return deleted.get(id);
        }
    }

    @Override
    public void close() {
        guests.manager().removeListener(deletions);
        guests.manager().destroy(guest.vm().name());
    }
}
