package io.hotvisor.vmm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemoryException;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.api.memory.RegionListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Guest RAM that changes at run time: slots, the atomic region map, listeners, deferred unmapping. No KVM needed. */
class HotplugRegionsTest {
    private static final long MIB = 1L << 20;
    private static final long REGION = 0x1_0000_0000L;

    private final List<String> kvm = new ArrayList<>();
    private final List<Runnable> afterIo = new ArrayList<>();
    private final Backends backends = new Backends();
    private final GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(16 * MIB));

    HotplugRegionsTest() {
        ram.attach((slot, base, size, host) -> kvm.add(String.format("slot %d 0x%x %d", slot, base, size)),
                new MemorySlots(4), afterIo::add,
                Optional.of(new GuestRegion(GuestAddress.of(REGION), 1024 * MIB, 0, Optional.empty())));
    }

    @AfterEach
    void close() {
        ram.close();
        backends.close();
    }

    private MemoryBackend ramBackend(String id, long size) {
        return backends.create(MemoryBackends.RAM, id, Map.of("size", size));
    }

    @Test
    void aPluggedRegionGetsASlotIsReadableAndGoesAgainWithItsSlotReused() {
        GuestRegion plugged = ram.plug(GuestAddress.of(REGION), ramBackend("m1", 128 * MIB));
        ram.writeLong(GuestAddress.of(REGION + 128 * MIB - 8), 0x1234);

        assertThat(ram.readLong(GuestAddress.of(REGION + 128 * MIB - 8))).isEqualTo(0x1234);
        assertThat(ram.size()).isEqualTo(144 * MIB);
        assertThat(ram.regions()).hasSize(2).last().isEqualTo(plugged);
        assertThat(plugged.backend()).contains("m1");

        ram.unplug(plugged);
        assertThatThrownBy(() -> ram.readLong(GuestAddress.of(REGION))).isInstanceOf(GuestMemoryException.class);
        assertThat(ram.size()).isEqualTo(16 * MIB);
        ram.plug(GuestAddress.of(REGION + 256 * MIB), ramBackend("m2", 128 * MIB));
        assertThat(kvm).containsExactly("slot 0 0x0 16777216", "slot 1 0x100000000 134217728",
                "slot 1 0x100000000 0", "slot 1 0x110000000 134217728");
    }

    @Test
    void theHostMappingGoesOnlyAfterInFlightIoAndNotIfPluggedAgainMeanwhile() {
        MemoryBackend backend = ramBackend("m1", 128 * MIB);
        GuestRegion first = ram.plug(GuestAddress.of(REGION), backend);
        ram.unplug(first);
        assertThat(afterIo).hasSize(1);
        GuestRegion again = ram.plug(GuestAddress.of(REGION), backend);
        afterIo.forEach(Runnable::run);
        ram.writeLong(GuestAddress.of(REGION), 7); // still mapped: the deferred unmap saw it plugged again
        assertThat(again.hostAddress()).isEqualTo(first.hostAddress());

        ram.unplug(again);
        afterIo.get(1).run();
        GuestRegion fresh = ram.plug(GuestAddress.of(REGION), backend);
        assertThat(ram.readLong(GuestAddress.of(REGION))).as("anonymous memory comes back zeroed").isZero();
        assertThat(fresh.size()).isEqualTo(128 * MIB);
    }

    @Test
    void refusesRegionsOutsideTheHotplugRegionOrOverlapping() {
        ram.plug(GuestAddress.of(REGION), ramBackend("m1", 128 * MIB));
        assertThatThrownBy(() -> ram.plug(GuestAddress.of(REGION + 64 * MIB), ramBackend("m2", 128 * MIB)))
                .hasMessage("memory-backend-ram m2 at 0x104000000 overlaps the region at 0x100000000");
        assertThatThrownBy(() -> ram.plug(GuestAddress.of(REGION + 960 * MIB), ramBackend("m3", 128 * MIB)))
                .hasMessageContaining("is not inside the hotplug region 0x100000000-0x13fffffff");
        assertThatThrownBy(() -> ram.plug(GuestAddress.of(0), ramBackend("m4", 128 * MIB)))
                .hasMessageContaining("is not inside the hotplug region");
        assertThatThrownBy(() -> ram.unplug(ram.regions().get(0))).hasMessage("boot RAM at 0x0 cannot be unplugged");
    }

    @Test
    void slotsRunOutWithAClearErrorAndNothingHalfDone() {
        ram.plug(GuestAddress.of(REGION), ramBackend("a", 128 * MIB));
        ram.plug(GuestAddress.of(REGION + 128 * MIB), ramBackend("b", 128 * MIB));
        ram.plug(GuestAddress.of(REGION + 256 * MIB), ramBackend("c", 128 * MIB));
        assertThatThrownBy(() -> ram.plug(GuestAddress.of(REGION + 384 * MIB), ramBackend("d", 128 * MIB)))
                .hasMessage("all 4 KVM memory slots are in use");
        assertThat(ram.regions()).hasSize(4);
    }

    @Test
    void listenersHearOfEveryRegionThenOfChangesUntilTheyUnregister() {
        List<String> heard = new ArrayList<>();
        RegionListener listener = new RegionListener() {
            @Override
            public void added(GuestRegion region) {
                heard.add("+" + region.base());
            }

            @Override
            public void removed(GuestRegion region) {
                heard.add("-" + region.base());
            }
        };
        Registration registration = ram.addRegionListener(listener);
        GuestRegion plugged = ram.plug(GuestAddress.of(REGION), ramBackend("m1", 128 * MIB));
        ram.unplug(plugged);
        registration.close();
        ram.plug(GuestAddress.of(REGION), ramBackend("m2", 128 * MIB));

        assertThat(heard).containsExactly("+0x0", "+0x100000000", "-0x100000000");
    }

    @Test
    void deviceMemoryGetsASlotOfItsOwnOutsideRamAndGivesItBack() {
        DeviceMemory devices = ram.deviceMemory();
        int slot = devices.map(0xC000_0000L, 0x2000, 0x7f00_0000_0000L);

        assertThat(kvm).containsExactly("slot 0 0x0 16777216", "slot 1 0xc0000000 8192");
        assertThat(ram.regions()).hasSize(1);
        assertThatThrownBy(() -> devices.map(0x10_0000, 0x1000, 0x7f00_0000_0000L))
                .hasMessageContaining("overlaps guest RAM");
        assertThatThrownBy(() -> devices.map(0xC000_0800L, 0x1000, 0x7f00_0000_0000L))
                .hasMessageContaining("not page aligned");

        devices.unmap(slot);
        assertThat(kvm).last().isEqualTo("slot 1 0x0 0");
        assertThat(devices.map(0xD000_0000L, 0x1000, 0x7f00_0000_0000L)).as("the slot is reused").isEqualTo(slot);
    }
}
