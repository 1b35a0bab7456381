package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.PioDevice;
import java.util.function.LongSupplier;

/** The ACPI power management timer: a free-running 32-bit counter at 3.579545 MHz (TMR_VAL_EXT). */
public final class PmTimer implements PioDevice {
    public static final long FREQUENCY_HZ = 3_579_545;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private final LongSupplier nanos;

    public PmTimer(LongSupplier nanos) {
        this.nanos = nanos;
    }

    @Override
    public void read(int offset, byte[] data) {
        long now = nanos.getAsLong();
        // Split to avoid overflowing 64 bits after ~43 minutes of uptime.
        long ticks = (now / NANOS_PER_SECOND) * FREQUENCY_HZ + (now % NANOS_PER_SECOND) * FREQUENCY_HZ / NANOS_PER_SECOND;
        long value = (ticks & 0xFFFF_FFFFL) >>> (8 * offset);
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void write(int offset, byte[] data) {
        // Read-only.
    }
}
