package io.hotvisor.cpuhotplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.CpuHotplug;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The register block state machine, driven as the AML (CSCN, CEJ0, COST) drives it. */
class CpuHotplugControllerTest {
    private final boolean[] present = {true, false, false, false};
    private final List<String> actions = new ArrayList<>();
    private final CpuHotplugController.Actions recording = new CpuHotplugController.Actions() {
        @Override
        public boolean present(int cpu) {
            return present[cpu];
        }

        @Override
        public void plug(int cpu) {
            present[cpu] = true;
            actions.add("plug " + cpu);
        }

        @Override
        public void removalRequested(int cpu) {
            actions.add("removing " + cpu);
        }

        @Override
        public void ejected(int cpu) {
            present[cpu] = false;
            actions.add("ejected " + cpu);
        }

        @Override
        public void ost(int cpu, int event, int status) {
            actions.add("ost " + cpu + " " + event + "/" + status);
        }

        @Override
        public void notifyGuest() {
            actions.add("ged");
        }
    };
    private final CpuHotplugController controller = new CpuHotplugController(4, recording);

    private void write(int offset, int value, int size) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        controller.write(offset, data);
    }

    private int read(int offset, int size) {
        byte[] data = new byte[size];
        controller.read(offset, data);
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (data[i] & 0xFF) << (8 * i);
        }
        return value;
    }

    private int flagsOf(int cpu) {
        write(CpuControllerRegisters.SELECTOR, cpu, 4);
        return read(CpuControllerRegisters.FLAGS, 1);
    }

    /** One CSCN loop pass: select next CPU with an event; returns "insert N", "remove N" or null. */
    private String scanStep() {
        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_NEXT_WITH_EVENT, 1);
        int flags = read(CpuControllerRegisters.FLAGS, 1);
        int cpu = read(CpuControllerRegisters.DATA, 4);
        if ((flags & CpuControllerRegisters.FLAG_INSERT) != 0) {
            write(CpuControllerRegisters.FLAGS, CpuControllerRegisters.CONTROL_CLEAR_INSERT, 1);
            return "insert " + cpu;
        }
        if ((flags & CpuControllerRegisters.FLAG_REMOVE) != 0) {
            write(CpuControllerRegisters.FLAGS, CpuControllerRegisters.CONTROL_CLEAR_REMOVE, 1);
            return "remove " + cpu;
        }
        return null;
    }

    private void ost(int cpu, int event, int status) {
        write(CpuControllerRegisters.SELECTOR, cpu, 4);
        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_OST_EVENT, 1);
        write(CpuControllerRegisters.DATA, event, 4);
        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_OST_STATUS, 1);
        write(CpuControllerRegisters.DATA, status, 4);
    }

    private void eject(int cpu) {
        write(CpuControllerRegisters.SELECTOR, cpu, 4);
        write(CpuControllerRegisters.FLAGS, CpuControllerRegisters.CONTROL_EJECT, 1);
    }

    @Test
    void hotAddIsFoundByTheScanAndReportedBack() {
        assertThat(controller.add(-1)).isEqualTo(1);
        assertThat(actions).containsExactly("plug 1", "ged");
        assertThat(flagsOf(1)).isEqualTo(CpuControllerRegisters.FLAG_ENABLED | CpuControllerRegisters.FLAG_INSERT);
        write(CpuControllerRegisters.SELECTOR, 0, 4);
        assertThat(scanStep()).isEqualTo("insert 1");
        assertThat(scanStep()).isNull();
        assertThat(flagsOf(1)).isEqualTo(CpuControllerRegisters.FLAG_ENABLED);
        ost(1, CpuControllerRegisters.OST_INSERT, CpuControllerRegisters.OST_SUCCESS);
        assertThat(actions).endsWith("ost 1 1/0");
    }

    @Test
    void removalGoesThroughEjectRequestAndEject() {
        controller.add(2);
        scanStep();
        controller.remove(2);
        assertThat(flagsOf(2) & CpuControllerRegisters.FLAG_REMOVE).isNotZero();
        assertThat(scanStep()).isEqualTo("remove 2");
        eject(2);
        assertThat(actions).contains("ejected 2");
        assertThat(present[2]).isFalse();
        assertThat(controller.pendingRemoval()).isEmpty();
    }

    @Test
    void archIdCommandReturnsTheApicId() {
        write(CpuControllerRegisters.SELECTOR, 3, 4);
        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_ARCH_ID, 1);
        assertThat(read(CpuControllerRegisters.DATA, 4)).isEqualTo(3);
        assertThat(read(CpuControllerRegisters.SELECTOR, 4)).isZero();
    }

    @Test
    void refusesWhatTheIssueForbids() {
        assertThatThrownBy(() -> controller.add(4)).hasMessageContaining("beyond max-vcpus");
        assertThatThrownBy(() -> controller.add(0)).hasMessage("CPU 0 is already present");
        assertThatThrownBy(() -> controller.remove(0)).hasMessage("CPU 0 cannot be removed");
        assertThatThrownBy(() -> controller.remove(3)).hasMessage("CPU 3 is not present");
        controller.add(1);
        controller.add(2);
        controller.remove(1);
        assertThatThrownBy(() -> controller.remove(2)).hasMessage("the removal of CPU 1 is still pending");
        present[3] = true;
        assertThatThrownBy(() -> controller.add(-1)).hasMessageContaining("all 4 possible CPUs are present");
    }

    /** Audit row 21: only -1 asks for the lowest absent CPU; other negative ids name no CPU. */
    @Test
    void aNegativeIdOtherThanLowestAbsentIsRefused() {
        assertThatThrownBy(() -> controller.add(-3)).hasMessage("there is no CPU -3: possible CPUs are 0..3");
        assertThatThrownBy(() -> controller.remove(-3)).hasMessage("there is no CPU -3: possible CPUs are 0..3");
        assertThat(actions).isEmpty();
        assertThat(controller.add(CpuHotplug.LOWEST_ABSENT)).isEqualTo(1);
    }

    /**
     * Audit row 21: a read of any size reads each byte as the register layout has it (the block
     * takes 1 to 4 byte accesses, so an 8-byte read spans two registers), and bytes past the
     * block read all-ones; 8-byte writes are ignored.
     */
    @Test
    void readsFollowTheRegisterLayoutWhateverTheirSize() {
        controller.add(1);
        write(CpuControllerRegisters.SELECTOR, 1, 4);
        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_ARCH_ID, 1);
        int flags = CpuControllerRegisters.FLAG_ENABLED | CpuControllerRegisters.FLAG_INSERT;

        assertThat(readBytes(CpuControllerRegisters.SELECTOR, 8)).containsExactly(0, 0, 0, 0, flags, 0, 0, 0);
        assertThat(readBytes(CpuControllerRegisters.FLAGS, 8)).containsExactly(flags, 0, 0, 0, 1, 0, 0, 0);
        assertThat(readBytes(CpuControllerRegisters.DATA, 8)).containsExactly(1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThat(readBytes(CpuControllerRegisters.DATA + 1, 2)).containsExactly(0, 0);
        assertThat(readBytes(CpuControllerRegisters.LENGTH, 4)).containsExactly(0xFF, 0xFF, 0xFF, 0xFF);

        write(CpuControllerRegisters.COMMAND, CpuControllerRegisters.COMMAND_OST_EVENT, 8);
        assertThat(read(CpuControllerRegisters.DATA, 4)).isEqualTo(1); // still the arch id command
    }

    private int[] readBytes(int offset, int size) {
        byte[] data = new byte[size];
        controller.read(offset, data);
        int[] unsigned = new int[size];
        for (int i = 0; i < size; i++) {
            unsigned[i] = data[i] & 0xFF;
        }
        return unsigned;
    }

    @Test
    void theGuestCannotEjectACpuTheVmmDidNotMark() {
        controller.add(1);
        eject(1);
        eject(0);
        assertThat(actions).noneMatch(action -> action.startsWith("ejected"));
        assertThat(present[1]).isTrue();
    }

    @Test
    void garbageFromTheGuestIsHarmless() {
        for (int offset = 0; offset < 16; offset++) {
            for (int size : new int[] {1, 2, 4, 8}) {
                write(offset, 0xFFFFFFFF, size);
                read(offset, size);
            }
        }
        write(CpuControllerRegisters.SELECTOR, 1000, 4);
        assertThat(read(CpuControllerRegisters.FLAGS, 1)).isIn(0, CpuControllerRegisters.FLAG_ENABLED);
        assertThat(present).containsExactly(true, false, false, false);
    }

    @Test
    void stateSurvivesARoundTripThroughTheVault() {
        controller.add(1);
        write(CpuControllerRegisters.SELECTOR, 1, 4);
        CpuHotplugState state = controller.state();
        String json = new com.google.gson.Gson().toJson(state);
        CpuHotplugController restored = new CpuHotplugController(
                new com.google.gson.Gson().fromJson(json, CpuHotplugState.class), recording);
        byte[] flags = new byte[1];
        restored.read(CpuControllerRegisters.FLAGS, flags);
        assertThat(flags[0] & CpuControllerRegisters.FLAG_INSERT).isNotZero(); // the pending insert survived
    }
}
