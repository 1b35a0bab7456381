package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.Test;

/** Guest abuse ({@link GuestAbuse}): a guest that writes S5 in a loop from every boot. */
@KvmTest
class GuestS5LoopTest extends GuestAbuse {
    private static final int S5_BOOTS = 6;

    /**
     * Started again by the host each time it is down: the guest alone cannot loop through S5,
     * since S5 ends the VM (Hotvisor has no "restart on poweroff" action), so the host plays the
     * supervisor that does.
     */
    @Test
    void s5Loop(LinuxGuests.Guests guests) {
        Abused abused = Abused.start(guests, "abuse-s5", "probe.abuse=s5");
        Usage afterFirst = null;
        for (int boot = 1; boot <= S5_BOOTS; boot++) {
            abused.await("S5 of boot " + boot, () -> abused.vm.state() == VmState.SHUTDOWN);
            abused.await("no thread of boot " + boot, () -> vmThreads(abused.vm.name()) == 0);
            if (afterFirst == null) {
                afterFirst = Usage.now();
            }
            assertThat(abused.watch.lines("abuse: s5 loop")).as("boots that reached the S5 loop").isEqualTo(boot);
            if (boot < S5_BOOTS) {
                abused.vm.start();
            }
        }
        assertThat(Usage.now().fds()).as("fds after %d S5 boots (after the first: %s)", S5_BOOTS, afterFirst)
                .isLessThanOrEqualTo(afterFirst.fds() + FD_SLACK);
        assertThat(guests.events()).filteredOn(event -> event.vm().equals(abused.vm.name())
                && event.payload() instanceof VmEvent.Shutdown shutdown && shutdown.guest()).hasSize(S5_BOOTS);
        abused.endAndCheck(guests);
    }
}
