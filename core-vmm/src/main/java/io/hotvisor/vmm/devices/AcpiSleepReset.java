package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.PioDevice;
import java.util.Arrays;

/**
 * The hardware-reduced FADT's sleep control/status and reset registers, all at one I/O port
 * (Cloud Hypervisor's convention): writing the reset value 1 resets the machine, writing
 * SLP_EN with SLP_TYP 5 (the DSDT's {@code \_S5_}) powers it off.
 */
public final class AcpiSleepReset implements PioDevice {
    public static final int RESET_VALUE = 1;
    public static final int S5_SLEEP_TYPE = 5;
    static final int SLEEP_TYPE_SHIFT = 2;
    static final int SLEEP_TYPE_MASK = 0x7;
    static final int SLEEP_ENABLE = 1 << 5;

    private final Runnable reset;
    private final Runnable powerOff;

    public AcpiSleepReset(Runnable reset, Runnable powerOff) {
        this.reset = reset;
        this.powerOff = powerOff;
    }

    @Override
    public void read(int offset, byte[] data) {
        // Sleep status: never asleep, no wake event pending.
        Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(int offset, byte[] data) {
        int value = data[0] & 0xFF;
        if (value == RESET_VALUE) {
            reset.run();
        } else if ((value & SLEEP_ENABLE) != 0 && ((value >> SLEEP_TYPE_SHIFT) & SLEEP_TYPE_MASK) == S5_SLEEP_TYPE) {
            powerOff.run();
        }
    }
}
