package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.Test;

/** Guest abuse ({@link GuestAbuse}): a guest that writes reset in a loop from every boot. */
@KvmTest
class GuestResetLoopTest extends GuestAbuse {
    private static final int RESETS = 10;

    /** One reset at a time, no thread per write, no fd per reset. */
    @Test
    void resetLoop(LinuxGuests.Guests guests) {
        Abused abused = Abused.start(guests, "abuse-reset", "probe.abuse=reset");
        abused.await("2 guest resets", () -> abused.guestResets(guests) >= 2);
        Usage warm = abused.peak;
        abused.peak = Usage.now();
        abused.await(RESETS + " guest resets", () -> abused.guestResets(guests) >= RESETS);
        assertThat(abused.peak.fds()).as("fds during the resets (after 2: %s)", warm)
                .isLessThanOrEqualTo(warm.fds() + FD_SLACK);
        abused.endAndCheck(guests);
    }
}
