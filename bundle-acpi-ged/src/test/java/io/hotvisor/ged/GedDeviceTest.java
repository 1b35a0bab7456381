package io.hotvisor.ged;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.InterruptLine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GedDeviceTest {
    private final List<Boolean> line = new ArrayList<>();
    private final GedDevice ged = new GedDevice(new InterruptLine() {
        @Override
        public int gsi() {
            return AcpiGed.GSI;
        }

        @Override
        public void set(boolean asserted) {
            line.add(asserted);
        }
    }, 0);

    private int readEsel() {
        byte[] data = new byte[4];
        ged.read(0, data);
        return (data[0] & 0xFF) | (data[1] & 0xFF) << 8 | (data[2] & 0xFF) << 16 | (data[3] & 0xFF) << 24;
    }

    @Test
    void raisedBitsAccumulateAndReadClears() {
        ged.raise(0x1);
        ged.raise(0x8);
        assertThat(line).containsExactly(true, false, true, false); // one edge per event
        assertThat(readEsel()).isEqualTo(0x9);
        assertThat(readEsel()).isZero();
    }

    @Test
    void writesAndOtherOffsetsDoNothing() {
        ged.raise(0x2);
        ged.write(0, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        byte[] other = new byte[4];
        ged.read(4, other);
        assertThat(other).containsOnly(0);
        assertThat(ged.pending()).isEqualTo(0x2);
        assertThat(readEsel()).isEqualTo(0x2);
    }
}
