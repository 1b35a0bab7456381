package io.hotvisor.pci.hotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The PHPR register block as the guest's AML and a hostile guest use it. */
class PhprControllerTest {
    private final List<String> actions = new ArrayList<>();
    private final PhprController controller = new PhprController(new RecordingActions());

    private final class RecordingActions implements PhprController.Actions {
        @Override
        public void notifyGuest() {
            actions.add("notify");
        }

        @Override
        public void ejected(int slot, boolean requested) {
            actions.add("ejected " + slot + (requested ? "" : " by the guest"));
        }
    }

    @Test
    void addedAndRemovedSlotsAreReportedOnceAndClearedByTheRead() {
        controller.deviceAdded(2);
        controller.deviceAdded(5);
        controller.removalRequested(7);
        assertThat(actions).containsExactly("notify", "notify", "notify");

        assertThat(read(PhprRegisters.PCIU)).isEqualTo(1 << 2 | 1 << 5);
        assertThat(read(PhprRegisters.PCIU)).isZero();
        assertThat(read(PhprRegisters.PCID)).isEqualTo(1 << 7);
        assertThat(read(PhprRegisters.PCID)).isZero();
        assertThat(read(PhprRegisters.PSEG)).isZero();
        assertThat(read(PhprRegisters.B0EJ)).isZero();
    }

    @Test
    void aRemovalIsPendingUntilTheGuestEjectsTheSlot() {
        controller.removalRequested(7);
        assertThat(controller.removalPending(7)).isTrue();
        assertThat(controller.removalPending(0)).as("the host bridge, as pci:list asks").isFalse();
        assertThatThrownBy(() -> controller.removalRequested(7)).isInstanceOf(VmException.class)
                .hasMessage("the removal of the device in slot 7 is already pending");

        write(PhprRegisters.B0EJ, 1 << 7);

        assertThat(controller.removalPending(7)).isFalse();
        assertThat(actions).containsExactly("notify", "ejected 7");
        controller.removalRequested(7); // the next device in that slot may be removed again
    }

    @Test
    void theGuestMayEjectOnItsOwnButNeverTheHostBridgeNorOnAnotherSegment() {
        write(PhprRegisters.B0EJ, 1 << 4 | 1);
        write(PhprRegisters.PSEG, 1);
        write(PhprRegisters.B0EJ, 1 << 6);
        assertThat(read(PhprRegisters.PSEG)).isEqualTo(1);
        assertThat(read(PhprRegisters.PCIU)).as("another segment has nothing").isZero();
        assertThat(actions).containsExactly("ejected 4 by the guest");
    }

    @Test
    void theStateSurvivesAnUpdateOfTheBundle() {
        controller.deviceAdded(9);
        controller.removalRequested(3);
        PhprController successor = new PhprController(new RecordingActions(), controller.state());
        assertThat(successor.removalPending(3)).isTrue();
        byte[] data = new byte[4];
        successor.read(PhprRegisters.PCIU, data);
        assertThat(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(1 << 9);
    }

    /** Any access a guest makes (offsets, sizes, values) leaves the controller answering. */
    @Test
    void randomGuestAccessesNeverThrow() {
        Random random = new Random(13);
        for (int access = 0; access < 100_000; access++) {
            byte[] data = new byte[1 << random.nextInt(4)];
            long offset = random.nextInt(0x1000);
            if (random.nextBoolean()) {
                random.nextBytes(data);
                controller.write(offset, data);
            } else {
                controller.read(offset, data);
            }
        }
        write(PhprRegisters.PSEG, 0);
        controller.deviceAdded(1);
        assertThat(read(PhprRegisters.PCIU)).isEqualTo(1 << 1);
    }

    private int read(int offset) {
        byte[] data = new byte[4];
        controller.read(offset, data);
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private void write(int offset, int value) {
        controller.write(offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
    }
}
