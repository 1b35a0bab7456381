package io.hotvisor.linux;

import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.Test;

/** Guest abuse ({@link GuestAbuse}): random writes to every platform register page. */
@KvmTest
class GuestRegisterWritesTest extends GuestAbuse {
    /** 100,000 writes of 1, 2 or 4 bytes at random offsets and values, seed 1, over the four pages. */
    @Test
    void randomRegisterWrites(LinuxGuests.Guests guests) {
        Abused.command(guests, "abuse-regs", "abuse regs 1 100000", "abuse: regs done 100000 writes").endAndCheck(guests);
    }
}
