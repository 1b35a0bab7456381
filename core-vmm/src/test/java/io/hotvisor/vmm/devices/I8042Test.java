package io.hotvisor.vmm.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042 controller = new I8042(resets::incrementAndGet);

    @Test
    void command0xFeOnTheCommandPortPulsesReset() {
        controller.write(4, new byte[] {(byte) 0xFE});
        assertThat(resets).hasValue(1);
        controller.write(4, new byte[] {(byte) 0xFE});
        assertThat(resets).hasValue(2);
    }

    @Test
    void noOtherWriteResets() {
        for (int offset = 0; offset <= 4; offset++) {
            for (int value = 0; value < 256; value++) {
                if (offset == 4 && value == 0xFE) {
                    continue;
                }
                controller.write(offset, new byte[] {(byte) value});
            }
        }
        controller.write(0, new byte[] {(byte) 0xFE}); // data port, not a command
        controller.write(4, new byte[] {(byte) 0xFF, (byte) 0xFE});
        assertThat(resets).hasValue(0);
    }

    @Test
    void readsShowAnIdleController() {
        for (int offset : new int[] {0, 4}) {
            byte[] data = {(byte) 0xAA, (byte) 0xAA};
            controller.read(offset, data);
            assertThat(data).as("offset %d", offset).containsOnly(0);
        }
        assertThat(resets).hasValue(0);
    }
}
