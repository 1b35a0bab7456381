package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.boot.E820Entry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryMapTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static E820Entry e(long address, long size, E820Entry.Type type) {
        return new E820Entry(address, size, type);
    }

    @Test
    void sixtyFourMib() {
        MemoryMap map = new MemoryMap(64 * MIB);
        assertThat(map.lowRamEnd()).isEqualTo(64 * MIB);
        assertThat(map.highRamBytes()).isZero();
        assertThat(map.ramStarts()).containsExactly(GuestAddress.of(0));
        assertThat(map.ramSizes()).containsExactly(64 * MIB);
        assertThat(map.e820()).containsExactly(
                e(0, 0xA0000, E820Entry.Type.RAM),
                e(0xA0000, 0x60000, E820Entry.Type.RESERVED),
                e(0x100000, 63 * MIB, E820Entry.Type.RAM),
                e(0xFFFB_C000L, 0x4000, E820Entry.Type.RESERVED));
    }

    @Test
    void exactlyThreeGibFitsBelowTheHole() {
        MemoryMap map = new MemoryMap(3 * GIB);
        assertThat(map.lowRamEnd()).isEqualTo(0xC000_0000L);
        assertThat(map.highRamBytes()).isZero();
        assertThat(map.ramStarts()).containsExactly(GuestAddress.of(0));
        assertThat(map.ramSizes()).containsExactly(3 * GIB);
        assertThat(map.e820()).containsExactly(
                e(0, 0xA0000, E820Entry.Type.RAM),
                e(0xA0000, 0x60000, E820Entry.Type.RESERVED),
                e(0x100000, 3 * GIB - MIB, E820Entry.Type.RAM),
                e(0xFFFB_C000L, 0x4000, E820Entry.Type.RESERVED));
    }

    @Test
    void fourGibIsSplitAroundTheHole() {
        MemoryMap map = new MemoryMap(4 * GIB);
        assertThat(map.lowRamEnd()).isEqualTo(3 * GIB);
        assertThat(map.highRamBytes()).isEqualTo(GIB);
        assertThat(map.ramStarts()).containsExactly(GuestAddress.of(0), GuestAddress.of(4 * GIB));
        assertThat(map.ramSizes()).containsExactly(3 * GIB, GIB);
        assertThat(map.e820()).containsExactly(
                e(0, 0xA0000, E820Entry.Type.RAM),
                e(0xA0000, 0x60000, E820Entry.Type.RESERVED),
                e(0x100000, 3 * GIB - MIB, E820Entry.Type.RAM),
                e(0xFFFB_C000L, 0x4000, E820Entry.Type.RESERVED),
                e(4 * GIB, GIB, E820Entry.Type.RAM));
    }

    @Test
    void theHotplugRegionFollowsHighRamOnAGibBoundaryAndPushesThePciWindowUp() {
        MemoryMap small = new MemoryMap(512 * MIB, 2 * GIB);
        assertThat(small.hotplugRegion()).contains(new io.hotvisor.vmm.acpi.AddressRange(4 * GIB, 2 * GIB));
        assertThat(small.pciMmio64Window().base()).isEqualTo(6 * GIB);

        MemoryMap large = new MemoryMap(5 * GIB + 256 * MIB, 384 * MIB); // high RAM ends at 6.25 GiB
        assertThat(large.hotplugRegion().orElseThrow().base()).isEqualTo(7 * GIB);
        assertThat(large.pciMmio64Window().base()).isEqualTo(8 * GIB);
        assertThat(large.e820()).as("the region is not RAM at boot").isEqualTo(new MemoryMap(5 * GIB + 256 * MIB).e820());

        assertThat(new MemoryMap(512 * MIB).hotplugRegion()).isEmpty();
        assertThat(new MemoryMap(512 * MIB).pciMmio64Window().base()).isEqualTo(4 * GIB);
    }

    private static boolean covered(List<E820Entry> map, long address, long size, E820Entry.Type type) {
        return map.stream().anyMatch(x -> x.type() == type && x.address() <= address && address + size <= x.end());
    }

    @ParameterizedTest
    @ValueSource(longs = {16L << 20, 64L << 20, 100L << 20, 3L << 30, (3L << 30) + 4096, 4L << 30, 6L << 30, 1L << 40})
    void invariantsHoldForAnySize(long ram) {
        MemoryMap map = new MemoryMap(ram);
        List<E820Entry> e820 = map.e820();

        for (int i = 1; i < e820.size(); i++) {
            assertThat(e820.get(i).address()).as("sorted and non-overlapping at entry %d", i)
                    .isGreaterThanOrEqualTo(e820.get(i - 1).end());
        }
        assertThat(covered(e820, 0xA0000, 0x60000, E820Entry.Type.RESERVED)).as("legacy VGA/BIOS area reserved").isTrue();
        assertThat(covered(e820, Layout.IDENTITY_MAP_ADDR, 0x1000, E820Entry.Type.RESERVED)).as("KVM identity map page").isTrue();
        assertThat(covered(e820, Layout.TSS_ADDR, 0x3000, E820Entry.Type.RESERVED)).as("KVM TSS pages").isTrue();

        long e820Ram = e820.stream().filter(x -> x.type() == E820Entry.Type.RAM).mapToLong(E820Entry::size).sum();
        assertThat(e820Ram).as("all RAM except the legacy hole is usable").isEqualTo(ram - 0x60000);

        assertThat(map.ramSizes().stream().mapToLong(Long::longValue).sum()).isEqualTo(ram);
        List<GuestAddress> starts = map.ramStarts();
        List<Long> sizes = map.ramSizes();
        assertThat(starts).hasSameSizeAs(sizes);
        for (E820Entry entry : e820) {
            if (entry.type() != E820Entry.Type.RAM) {
                continue;
            }
            boolean backed = false;
            for (int i = 0; i < starts.size(); i++) {
                backed |= starts.get(i).value() <= entry.address() && entry.end() <= starts.get(i).value() + sizes.get(i);
            }
            assertThat(backed).as("%s is backed by a RAM region", entry).isTrue();
            assertThat(entry.end() <= Layout.MMIO_32_START || entry.address() >= Layout.HIGH_RAM_START)
                    .as("%s stays out of the 32-bit hole", entry).isTrue();
        }
        for (int i = 0; i < starts.size(); i++) {
            long start = starts.get(i).value();
            long end = start + sizes.get(i);
            assertThat(end <= Layout.MMIO_32_START || start >= Layout.HIGH_RAM_START)
                    .as("RAM region 0x%x-0x%x stays out of the 32-bit hole", start, end).isTrue();
            assertThat(sizes.get(i) % 4096).isZero();
        }
    }
}
