package io.hotvisor.memhotplug;

import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_ENABLED;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_INSERT;
import static io.hotvisor.memhotplug.MemControllerRegisters.FLAG_REMOVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The register block state machine, driven as the AML (MSCN, MCRS, MOST, MEJ0) drives it. */
class MemHotplugControllerTest {
    private static final long GIB = 1L << 30;
    private final List<String> actions = new ArrayList<>();
    private final MemHotplugController.Actions recording = new MemHotplugController.Actions() {
        @Override
        public void notifyGuest() {
            actions.add("ged");
        }

        @Override
        public void ejected(Dimm dimm) {
            actions.add("ejected " + dimm.device());
        }

        @Override
        public void ost(int slot, Dimm dimm, int event, int status) {
            actions.add("ost " + slot + " " + (dimm == null ? "-" : dimm.device()) + " " + event + "/" + status);
        }

        @Override
        public void removalRefused(Dimm dimm) {
            actions.add("refused " + dimm.device());
        }
    };
    private MemHotplugController controller = new MemHotplugController(4, recording);

    private void write(int offset, long value, int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        controller.write(offset, data);
    }

    private long read(int offset, int size) {
        byte[] data = new byte[size];
        controller.read(offset, data);
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (data[i] & 0xFFL) << (8 * i);
        }
        return value;
    }

    private int status(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        return (int) read(MemControllerRegisters.FLAGS, 1);
    }

    private Dimm plug(int slot, String device, long base, long size) {
        Dimm dimm = controller.reserve(plugged -> new Dimm(slot, device, "m-" + device, base, size, false));
        controller.insert(dimm);
        return dimm;
    }

    /** The guest's scan picked up the insert event. */
    private void seen(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_CLEAR_INSERT, 1);
    }

    private void ost(int slot, int event, int status) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        write(MemControllerRegisters.OST_EVENT, event, 4);
        write(MemControllerRegisters.OST_STATUS, status, 4);
    }

    private void eject(int slot) {
        write(MemControllerRegisters.SELECTOR, slot, 4);
        write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_EJECT, 1);
    }

    @Test
    void theSelectedSlotShowsItsBaseLengthAndFlags() {
        plug(2, "d1", 9 * GIB, 3 * GIB / 2);
        assertThat(actions).containsExactly("ged");
        write(MemControllerRegisters.SELECTOR, 2, 4);
        assertThat(read(MemControllerRegisters.BASE_LOW, 4)).isEqualTo((9 * GIB) & 0xFFFF_FFFFL);
        assertThat(read(MemControllerRegisters.BASE_HIGH, 4)).isEqualTo(2);
        assertThat(read(MemControllerRegisters.LENGTH_LOW, 4)).isEqualTo(3 * GIB / 2);
        assertThat(read(MemControllerRegisters.LENGTH_HIGH, 4)).isZero();
        assertThat(read(MemControllerRegisters.PROXIMITY, 4)).isZero();
        assertThat(read(MemControllerRegisters.FLAGS, 1)).isEqualTo(FLAG_ENABLED | FLAG_INSERT);
        assertThat(read(MemControllerRegisters.BASE_LOW, 8)).isEqualTo(9 * GIB); // a 64-bit read spans both halves
        assertThat(status(1)).isZero();
        write(MemControllerRegisters.SELECTOR, 1, 4);
        assertThat(read(MemControllerRegisters.BASE_LOW, 4)).isZero(); // an empty slot
    }

    @Test
    void unknownRegistersReadAllOnes() {
        assertThat(read(MemControllerRegisters.LENGTH, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(read(0xFFC, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(read(0x16, 4)).isEqualTo(0xFFFF_0000L); // straddles the end of the block
    }

    @Test
    void aReservedSlotStaysEmptyToTheGuestUntilInserted() {
        Dimm dimm = controller.reserve(plugged -> new Dimm(0, "d1", "m1", 8 * GIB, GIB, false));
        assertThat(status(0)).isZero();
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PENDING_ADD);
        controller.cancel(dimm);
        assertThat(controller.list()).isEmpty();
        assertThat(actions).isEmpty();
    }

    @Test
    void hotAddIsFoundByTheScanAndReportedBack() {
        plug(1, "d1", 8 * GIB, GIB);
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PENDING_ADD);
        seen(1);
        assertThat(status(1)).isEqualTo(FLAG_ENABLED);
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PRESENT);
        ost(1, MemControllerRegisters.OST_INSERT, MemControllerRegisters.OST_SUCCESS);
        assertThat(actions).containsExactly("ged", "ost 1 d1 1/0");
    }

    @Test
    void removalGoesThroughEjectRequestAndEject() {
        plug(0, "d1", 8 * GIB, GIB);
        seen(0);
        controller.remove("d1");
        assertThat(status(0)).isEqualTo(FLAG_ENABLED | FLAG_REMOVE);
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PENDING_REMOVE);
        assertThatThrownBy(() -> controller.remove("d1")).hasMessage("the removal of d1 is already pending");
        write(MemControllerRegisters.FLAGS, MemControllerRegisters.CONTROL_CLEAR_REMOVE, 1);
        ost(0, MemControllerRegisters.OST_EJECT_REQUEST, MemControllerRegisters.OST_EJECT_IN_PROGRESS);
        eject(0);
        ost(0, MemControllerRegisters.OST_EJECT_REQUEST, MemControllerRegisters.OST_SUCCESS);
        assertThat(actions).containsExactly("ged", "ged", "ost 0 d1 3/132", "ejected d1", "ost 0 - 3/0");
        assertThat(status(0)).isZero(); // Linux checks _STA after _EJ0
        assertThat(controller.list()).isEmpty();
    }

    @Test
    void aRefusedRemovalKeepsTheDimmUntilALaterOne() {
        plug(0, "d1", 8 * GIB, GIB);
        seen(0);
        controller.remove("d1");
        ost(0, MemControllerRegisters.OST_EJECT_REQUEST, MemControllerRegisters.OST_EJECT_IN_PROGRESS);
        ost(0, MemControllerRegisters.OST_EJECT_REQUEST, 0x81);
        assertThat(actions).endsWith("refused d1", "ost 0 d1 3/129");
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.FAILED_REMOVE);
        eject(0); // no longer marked
        assertThat(actions).noneMatch(action -> action.startsWith("ejected"));
        assertThat(status(0) & FLAG_ENABLED).isNotZero();
        controller.remove("d1");
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PENDING_REMOVE);
        eject(0);
        assertThat(actions).endsWith("ejected d1");
    }

    @Test
    void theGuestCannotEjectASlotTheVmmDidNotMark() {
        plug(0, "d1", 8 * GIB, GIB);
        for (int slot = 0; slot < 4; slot++) {
            eject(slot);
        }
        ost(0, MemControllerRegisters.OST_EJECT_REQUEST, 1); // a refusal of nothing asked
        assertThat(actions).noneMatch(action -> action.startsWith("ejected") || action.startsWith("refused"));
        assertThat(controller.list()).extracting(DimmStatus::state).containsExactly(DimmState.PENDING_ADD);
    }

    @Test
    void garbageFromTheGuestIsHarmless() {
        plug(3, "d1", 8 * GIB, GIB);
        write(MemControllerRegisters.SELECTOR, 3, 4);
        for (int offset = -4; offset < 0x20; offset++) {
            for (int size : new int[] {1, 2, 3, 4, 8}) {
                if (offset != MemControllerRegisters.FLAGS) { // eject bits there are the one meaningful write
                    write(offset, 0xFFFF_FFFFL, size);
                }
                read(offset, size);
            }
        }
        write(MemControllerRegisters.SELECTOR, 1000, 4);
        write(MemControllerRegisters.SELECTOR, -1, 4);
        assertThat(read(MemControllerRegisters.FLAGS, 1) & FLAG_ENABLED).isEqualTo(FLAG_ENABLED); // still slot 3
        write(MemControllerRegisters.FLAGS, 0xFF, 1);
        assertThat(actions).noneMatch(action -> action.startsWith("ejected"));
        assertThat(controller.list()).hasSize(1);
    }

    @Test
    void aFailingHostActionDoesNotReachTheGuest() {
        controller = new MemHotplugController(1, new MemHotplugController.Actions() {
            @Override
            public void notifyGuest() {
            }

            @Override
            public void ejected(Dimm dimm) {
                throw new IllegalStateException("unmap failed");
            }

            @Override
            public void ost(int slot, Dimm dimm, int event, int status) {
                throw new IllegalStateException("no listener");
            }

            @Override
            public void removalRefused(Dimm dimm) {
            }
        });
        plug(0, "d1", 8 * GIB, GIB);
        controller.remove("d1");
        ost(0, 3, 0x84);
        eject(0);
        assertThat(controller.list()).isEmpty();
    }

    @Test
    void stateSurvivesARoundTripThroughTheVault() {
        plug(0, "d1", 8 * GIB, GIB);
        plug(1, "d2", 9 * GIB, GIB);
        seen(0);
        controller.remove("d2");
        write(MemControllerRegisters.SELECTOR, 1, 4);
        String json = new Gson().toJson(controller.state());
        controller = new MemHotplugController(new Gson().fromJson(json, MemHotplugState.class), recording);
        assertThat(read(MemControllerRegisters.FLAGS, 1)).isEqualTo(FLAG_ENABLED | FLAG_INSERT | FLAG_REMOVE);
        assertThat(controller.list()).extracting(DimmStatus::state)
                .containsExactly(DimmState.PRESENT, DimmState.PENDING_REMOVE);
        eject(1); // the pending removal completes after the update
        assertThat(actions).endsWith("ejected d2");
        assertThat(controller.dimms()).extracting(Dimm::device).containsExactly("d1");
    }
}
