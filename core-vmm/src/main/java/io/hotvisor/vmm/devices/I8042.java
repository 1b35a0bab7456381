package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.PioDevice;
import java.util.Arrays;

/**
 * Just enough of the i8042 keyboard controller for the guest to reset the machine: command 0xFE
 * on port 0x64 pulses the reset line. Registered over ports 0x60-0x64.
 */
public final class I8042 implements PioDevice {
    static final int COMMAND_OFFSET = 4;
    static final int CMD_RESET = 0xFE;
    private final Runnable reset;

    public I8042(Runnable reset) {
        this.reset = reset;
    }

    @Override
    public void read(int offset, byte[] data) {
        // Status and data read as zero: no key waiting, input buffer empty.
        Arrays.fill(data, (byte) 0);
    }

    @Override
    public void write(int offset, byte[] data) {
        if (offset == COMMAND_OFFSET && (data[0] & 0xFF) == CMD_RESET) {
            reset.run();
        }
    }
}
