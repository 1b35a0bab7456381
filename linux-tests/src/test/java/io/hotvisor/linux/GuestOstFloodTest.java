package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.testing.KvmTest;
import org.junit.jupiter.api.Test;

/** Guest abuse ({@link GuestAbuse}): an _OST flood. */
@KvmTest
class GuestOstFloodTest extends GuestAbuse {
    /** 5,000 _OST reports to each of the CPU and memory controllers: each is one event, the VM goes on. */
    @Test
    void ostFlood(LinuxGuests.Guests guests) {
        Abused abused = Abused.command(guests, "abuse-ost", "abuse ost 5000", "abuse: ost done cpu 5000 mem 5000");
        assertThat(abused.finished).as("the flood ended").isTrue();
        assertThat(guests.events()).filteredOn(event -> event.vm().equals(abused.vm.name())
                && event.payload() instanceof VmEvent.AcpiDeviceOst).hasSize(10_000);
        assertThat(abused.vm.acpiOspmStatus()).as("one status per declared slot").hasSize(MAX_VCPUS + 2);
        abused.endAndCheck(guests);
    }
}
