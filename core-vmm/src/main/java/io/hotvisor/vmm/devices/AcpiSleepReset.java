package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.acpi.AcpiRegisters;
import io.hotvisor.vmm.api.PioDevice;
import java.util.Arrays;

/**
 * The hardware-reduced FADT's sleep control/status and reset registers, all at one I/O port
 * (values decoded as {@link AcpiRegisters} defines them for the FADT and {@code \_S5_}).
 */
public final class AcpiSleepReset implements PioDevice {
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
        if (AcpiRegisters.isResetRequest(value)) {
            reset.run();
        } else if (AcpiRegisters.isSoftOffRequest(value)) {
            powerOff.run();
        }
    }
}
