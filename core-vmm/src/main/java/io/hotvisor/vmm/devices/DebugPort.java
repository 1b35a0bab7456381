package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.PioDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Port 0x80: the guest's first {@value #MAX_MARKERS} writes are kept with a timestamp (boot-time markers). */
public final class DebugPort implements PioDevice {
    static final int MAX_MARKERS = 1024;
    private final LongSupplier nanosSinceStart;
    private final List<BootMarker> markers = new ArrayList<>();
    private volatile boolean full;

    public DebugPort(LongSupplier nanosSinceStart) {
        this.nanosSinceStart = nanosSinceStart;
    }

    @Override
    public void read(int offset, byte[] data) {
        java.util.Arrays.fill(data, (byte) 0);
    }

    /**
     * Past the cap a write costs only the exit: no clock read (a system call where the host's
     * clocksource is not the TSC), since the marker would be dropped. Linux's I/O delays write
     * here all the time.
     */
    @Override
    public void write(int offset, byte[] data) {
        if (full) {
            return;
        }
        long now = nanosSinceStart.getAsLong();
        synchronized (markers) {
            if (markers.size() < MAX_MARKERS) {
                markers.add(new BootMarker(data[0] & 0xFF, now));
            }
            full = markers.size() >= MAX_MARKERS;
        }
    }

    public List<BootMarker> markers() {
        synchronized (markers) {
            return List.copyOf(markers);
        }
    }
}
