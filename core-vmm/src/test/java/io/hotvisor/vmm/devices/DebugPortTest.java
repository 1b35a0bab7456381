package io.hotvisor.vmm.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.BootMarker;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DebugPortTest {
    private final AtomicLong clock = new AtomicLong(1000);
    private final DebugPort port = new DebugPort(clock::get);

    @Test
    void everyWriteIsKeptWithItsValueAndTheClockAtThatMoment() {
        port.write(0, new byte[] {0x10});
        clock.set(2500);
        port.write(0, new byte[] {(byte) 0xFE});
        clock.set(9000);
        port.write(0, new byte[] {0x10, 0x22}); // a 16-bit out: the low byte is the marker

        assertThat(port.markers()).containsExactly(
                new BootMarker(0x10, 1000),
                new BootMarker(0xFE, 2500),
                new BootMarker(0x10, 9000));
    }

    @Test
    void readsAreZeroAndRecordNothing() {
        byte[] data = {1, 2, 3, 4};
        port.read(0, data);
        assertThat(data).containsOnly(0);
        assertThat(port.markers()).isEmpty();
    }

    @Test
    void markersIsASnapshot() {
        port.write(0, new byte[] {1});
        List<BootMarker> before = port.markers();
        port.write(0, new byte[] {2});
        assertThat(before).hasSize(1);
        assertThat(port.markers()).hasSize(2);
    }

    @Test
    void markerCountIsBoundedSoAGuestCannotExhaustTheHeap() {
        for (int i = 0; i < DebugPort.MAX_MARKERS + 500; i++) {
            clock.set(i);
            port.write(0, new byte[] {(byte) i});
        }
        List<BootMarker> markers = port.markers();
        assertThat(markers).hasSize(DebugPort.MAX_MARKERS);
        assertThat(markers.get(0)).isEqualTo(new BootMarker(0, 0));
        assertThat(markers.get(markers.size() - 1).nanosSinceStart()).isEqualTo(DebugPort.MAX_MARKERS - 1);
    }

    @Test
    void pastTheCapAWriteDoesNotReadTheClock() {
        AtomicLong reads = new AtomicLong();
        DebugPort counted = new DebugPort(reads::incrementAndGet);
        for (int i = 0; i < DebugPort.MAX_MARKERS + 500; i++) {
            counted.write(0, new byte[] {(byte) i});
        }
        assertThat(reads).hasValue(DebugPort.MAX_MARKERS);
    }
}
