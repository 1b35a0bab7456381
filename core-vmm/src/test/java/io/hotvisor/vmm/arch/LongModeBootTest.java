package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.memory.GuestRam;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The boot GDT and identity page tables, decoded bit by bit as the CPU would (Intel SDM vol. 3A). */
class LongModeBootTest {
    private static final long PRESENT = 1L;
    private static final long WRITABLE = 1L << 1;
    private static final long PAGE_SIZE = 1L << 7;
    private static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final long PAGE_2M_MASK = 0x000F_FFFF_FFE0_0000L;

    private GuestRam ram;

    @BeforeEach
    void mapRam() {
        ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(64L << 20));
    }

    @AfterEach
    void unmapRam() {
        ram.close();
    }

    /** A segment descriptor's fields. */
    record Descriptor(long base, long limit, int type, boolean s, int dpl, boolean present, boolean avl,
                      boolean l, boolean db, boolean g) {
        static Descriptor decode(long d) {
            long base = ((d >>> 16) & 0xFF_FFFFL) | (((d >>> 56) & 0xFF) << 24);
            long limit = (d & 0xFFFF) | (((d >>> 48) & 0xF) << 16);
            return new Descriptor(base, limit, (int) ((d >>> 40) & 0xF), bit(d, 44), (int) ((d >>> 45) & 3),
                    bit(d, 47), bit(d, 52), bit(d, 53), bit(d, 54), bit(d, 55));
        }

        private static boolean bit(long d, int n) {
            return ((d >>> n) & 1) != 0;
        }

        boolean executable() {
            return (type & 0x8) != 0;
        }

        /** Readable for code segments, writable for data segments. */
        boolean readOrWrite() {
            return (type & 0x2) != 0;
        }
    }

    private long gdt(int selector) {
        return ram.readLong(Layout.BOOT_GDT.plus(selector & ~7));
    }

    @Test
    void bootCsIsA64BitCodeSegment() {
        LongModeBoot.writeTables(ram);
        assertThat(LongModeBoot.BOOT_CS).isEqualTo(0x10);
        Descriptor cs = Descriptor.decode(gdt(0x10));
        assertThat(cs.present()).as("P").isTrue();
        assertThat(cs.s()).as("S: code/data").isTrue();
        assertThat(cs.executable()).as("type: code").isTrue();
        assertThat(cs.readOrWrite()).as("type: readable").isTrue();
        assertThat(cs.type() & 0x4).as("not conforming").isZero();
        assertThat(cs.l()).as("L: 64-bit").isTrue();
        assertThat(cs.db()).as("D must be 0 when L is 1").isFalse();
        assertThat(cs.dpl()).isZero();
        assertThat(cs.base()).isZero();
        assertThat(cs.limit()).isEqualTo(0xFFFFF);
        assertThat(cs.g()).isTrue();
    }

    @Test
    void bootDsIsAFlatWritableDataSegment() {
        LongModeBoot.writeTables(ram);
        assertThat(LongModeBoot.BOOT_DS).isEqualTo(0x18);
        Descriptor ds = Descriptor.decode(gdt(0x18));
        assertThat(ds.present()).isTrue();
        assertThat(ds.s()).isTrue();
        assertThat(ds.executable()).as("data").isFalse();
        assertThat(ds.readOrWrite()).as("writable").isTrue();
        assertThat(ds.type() & 0x4).as("expand-up").isZero();
        assertThat(ds.dpl()).isZero();
        assertThat(ds.base()).isZero();
        assertThat(ds.limit()).isEqualTo(0xFFFFF);
        assertThat(ds.g()).as("4 KiB granularity: 4 GiB flat").isTrue();
        assertThat(ds.db()).as("B: 32-bit").isTrue();
        assertThat(ds.l()).isFalse();
    }

    @Test
    void nullDescriptorsAndTss() {
        LongModeBoot.writeTables(ram);
        assertThat(gdt(0x00)).isZero();
        assertThat(gdt(0x08)).isZero();
        Descriptor tss = Descriptor.decode(gdt(LongModeBoot.BOOT_TSS));
        assertThat(tss.present()).isTrue();
        assertThat(tss.s()).as("system segment").isFalse();
        assertThat(tss.type()).as("busy 64-bit TSS").isEqualTo(0xB);
        assertThat(LongModeBoot.GDT).hasSize(5);
    }

    @Test
    void gdtEntryPacksBaseAndLimitAcrossTheirSplitFields() {
        Descriptor d = Descriptor.decode(LongModeBoot.gdtEntry(0xC093, 0x1234_5678L, 0xABCDE));
        assertThat(d.base()).isEqualTo(0x1234_5678L);
        assertThat(d.limit()).isEqualTo(0xABCDE);
        assertThat(d.type()).isEqualTo(0x3);
        assertThat(d.present()).isTrue();
        assertThat(d.g()).isTrue();
        assertThat(d.db()).isTrue();
        // the well-known encoding of a flat 64-bit kernel code segment
        assertThat(LongModeBoot.gdtEntry(0xA09B, 0, 0xFFFFF)).isEqualTo(0x00AF_9B00_0000_FFFFL);
        assertThat(LongModeBoot.gdtEntry(0xC093, 0, 0xFFFFF)).isEqualTo(0x00CF_9300_0000_FFFFL);
    }

    /** Translates a linear address through the tables at CR3 = Layout.PML4, or returns -1 if not present. */
    private long translate(long linear) {
        long pml4e = ram.readLong(Layout.PML4.plus(8 * ((linear >>> 39) & 511)));
        if ((pml4e & PRESENT) == 0) {
            return -1;
        }
        assertThat(pml4e & WRITABLE).isNotZero();
        long pdpte = ram.readLong(GuestAddress.of((pml4e & ADDRESS_MASK) + 8 * ((linear >>> 30) & 511)));
        if ((pdpte & PRESENT) == 0) {
            return -1;
        }
        assertThat(pdpte & WRITABLE).isNotZero();
        assertThat(pdpte & PAGE_SIZE).as("PDPTE maps a page directory, not a 1 GiB page").isZero();
        long pde = ram.readLong(GuestAddress.of((pdpte & ADDRESS_MASK) + 8 * ((linear >>> 21) & 511)));
        if ((pde & PRESENT) == 0) {
            return -1;
        }
        assertThat(pde & WRITABLE).isNotZero();
        assertThat(pde & PAGE_SIZE).as("PDE maps a 2 MiB page").isNotZero();
        return (pde & PAGE_2M_MASK) | (linear & 0x1F_FFFF);
    }

    @Test
    void theLowFourGibAreIdentityMappedWith2MibPages() {
        LongModeBoot.writeTables(ram);
        long[] addresses = {0, 0x500, 0x7000, 0x9000, 0xA0000, 0x100000, 0x1F_FFFF, 0x20_0000, 0x123_4567,
            0x3FFF_FFFF, 0x4000_0000, 0x8000_0000L, 0xBFFF_FFFFL, 0xC000_0000L, 0xE000_0000L, 0xF000_0000L,
            0xFEC0_0000L, 0xFEE0_0000L, 0xFEE0_0300L, 0xFFFB_C000L, 0xFFFF_FFFFL};
        for (long address : addresses) {
            assertThat(translate(address)).as("0x%x", address).isEqualTo(address);
        }
        for (long page = 0; page < (4L << 30); page += 2L << 20) {
            assertThat(translate(page + 0x1_2345)).as("2 MiB page 0x%x", page).isEqualTo(page + 0x1_2345);
        }
    }

    @Test
    void nothingAboveFourGibIsMapped() {
        LongModeBoot.writeTables(ram);
        assertThat(translate(0x1_0000_0000L)).isEqualTo(-1);
        assertThat(translate(0x7F_FFFF_FFFFL)).isEqualTo(-1);
        assertThat(translate(0x80_0000_0000L)).as("second PML4 entry").isEqualTo(-1);
        assertThat(translate(0xFFFF_8000_0000_0000L)).isEqualTo(-1);
    }

    @Test
    void pageTableEntriesCarryNoStrayBits() {
        LongModeBoot.writeTables(ram);
        long allowed = PRESENT | WRITABLE | PAGE_SIZE | ADDRESS_MASK;
        for (int i = 0; i < 4 * 512; i++) {
            long pde = ram.readLong(Layout.PAGE_DIRECTORIES.plus(8L * i));
            assertThat(pde & ~allowed).as("PDE %d: reserved, NX, user or PWT/PCD bits", i).isZero();
        }
        assertThat(ram.readLong(Layout.PML4) & ~(PRESENT | WRITABLE | ADDRESS_MASK)).isZero();
    }

    @Test
    void staleMemoryUnderTheTablesIsOverwritten() {
        byte[] junk = new byte[0x10000];
        java.util.Arrays.fill(junk, (byte) 0xFF);
        ram.write(GuestAddress.of(0), junk);
        LongModeBoot.writeTables(ram);
        for (int i = 1; i < 512; i++) {
            assertThat(ram.readLong(Layout.PML4.plus(8L * i))).as("PML4[%d]", i).isZero();
        }
        for (int i = 4; i < 512; i++) {
            assertThat(ram.readLong(Layout.PDPT.plus(8L * i))).as("PDPT[%d]", i).isZero();
        }
        assertThat(translate(0xFEE0_0000L)).isEqualTo(0xFEE0_0000L);
    }

    @Test
    void bootStructuresFitInLowRamWithoutOverlapping() {
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {Layout.BOOT_GDT.value(), 8L * LongModeBoot.GDT.length});
        ranges.add(new long[] {Layout.ZERO_PAGE.value(), 0x1000});
        ranges.add(new long[] {Layout.PML4.value(), 0x1000});
        ranges.add(new long[] {Layout.PDPT.value(), 0x1000});
        ranges.add(new long[] {Layout.PAGE_DIRECTORIES.value(), 4 * 0x1000});
        ranges.add(new long[] {Layout.CMDLINE.value(), Layout.CMDLINE_MAX});
        for (long[] r : ranges) {
            assertThat(r[0] + r[1]).as("0x%x", r[0]).isLessThanOrEqualTo(Layout.LOW_RAM_END);
            assertThat(r[0] % 8).isZero();
        }
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                long[] a = ranges.get(i);
                long[] b = ranges.get(j);
                assertThat(a[0] < b[0] + b[1] && b[0] < a[0] + a[1])
                        .as("0x%x+0x%x overlaps 0x%x+0x%x", a[0], a[1], b[0], b[1]).isFalse();
            }
        }
        for (GuestAddress table : List.of(Layout.PML4, Layout.PDPT, Layout.PAGE_DIRECTORIES)) {
            assertThat(table.value() % 0x1000).as("%s is page aligned", table).isZero();
        }
        // the boot stack grows down from BOOT_STACK_TOP and must not start inside a table or the zero page
        long stack = Layout.BOOT_STACK_TOP.value();
        for (long[] r : ranges) {
            assertThat(stack > r[0] && stack <= r[0] + r[1]).as("stack top inside 0x%x+0x%x", r[0], r[1]).isFalse();
        }
    }
}
