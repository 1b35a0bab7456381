package io.hotvisor.ged;

import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MmioDevice;
import java.util.Arrays;

/**
 * One VM's GED: a 4-byte read-to-clear event selector and an edge interrupt. Raising a bit sets it
 * and pulses the interrupt; the guest's {@code _EVT} reads {@code ESEL}, which clears it.
 */
final class GedDevice implements MmioDevice {
    static final int ESEL_SIZE = 4;
    private final InterruptLine interrupt;
    private int pending;

    GedDevice(InterruptLine interrupt, int pending) {
        this.interrupt = interrupt;
        this.pending = pending;
    }

    void raise(int bits) {
        synchronized (this) {
            pending |= bits;
        }
        interrupt.pulse();
    }

    synchronized int pending() {
        return pending;
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
        if (offset != 0) {
            return;
        }
        int value;
        synchronized (this) {
            value = pending;
            pending = 0;
        }
        for (int i = 0; i < Math.min(data.length, ESEL_SIZE); i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        // ESEL is read-only.
    }
}
