package io.hotvisor.vmm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemoryException;
import io.hotvisor.vmm.api.memory.GuestRegion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guest RAM over anonymous mappings: round trips, bounds checking and unmapping. No KVM needed. */
class GuestRamTest {
    private static final long LOW_SIZE = 2L << 20;                 // [0, 2 MiB)
    private static final long HIGH_START = 0x1_0000_0000L;          // [4 GiB, 4 GiB + 1 MiB)
    private static final long HIGH_SIZE = 1L << 20;

    private final List<GuestRam> opened = new ArrayList<>();

    private GuestRam twoRegions() {
        GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0), GuestAddress.of(HIGH_START)), List.of(LOW_SIZE, HIGH_SIZE));
        opened.add(ram);
        return ram;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(GuestRam::close);
    }

    private static GuestAddress at(long address) {
        return GuestAddress.of(address);
    }

    @Test
    void mapsTheRegionsAsked() {
        GuestRam ram = twoRegions();
        assertThat(ram.size()).isEqualTo(LOW_SIZE + HIGH_SIZE);
        assertThat(ram.regions()).hasSize(2);
        assertThat(ram.regions().get(0).base()).isEqualTo(at(0));
        assertThat(ram.regions().get(0).size()).isEqualTo(LOW_SIZE);
        assertThat(ram.regions().get(1).base()).isEqualTo(at(HIGH_START));
        assertThat(ram.regions().get(1).size()).isEqualTo(HIGH_SIZE);
        assertThat(ram.regions().get(0).hostAddress()).isNotZero().isNotEqualTo(ram.regions().get(1).hostAddress());
    }

    @Test
    void freshRamReadsAsZero() {
        GuestRam ram = twoRegions();
        assertThat(ram.readLong(at(0))).isZero();
        assertThat(ram.readLong(at(LOW_SIZE - 8))).isZero();
        assertThat(ram.readLong(at(HIGH_START + HIGH_SIZE - 8))).isZero();
    }

    @Test
    void scalarsRoundTripLittleEndianInBothRegions() {
        GuestRam ram = twoRegions();
        for (long base : new long[] {0x1000, LOW_SIZE - 16, HIGH_START, HIGH_START + HIGH_SIZE - 16}) {
            ram.writeByte(at(base), (byte) 0xA5);
            assertThat(ram.readByte(at(base))).isEqualTo((byte) 0xA5);

            ram.writeShort(at(base), (short) 0xBEEF);
            assertThat(ram.readByte(at(base))).isEqualTo((byte) 0xEF);
            assertThat(ram.readByte(at(base + 1))).isEqualTo((byte) 0xBE);

            ram.writeInt(at(base), 0xCAFEBABE);
            assertThat(ram.readInt(at(base))).isEqualTo(0xCAFEBABE);
            assertThat(ram.readByte(at(base))).isEqualTo((byte) 0xBE);
            assertThat(ram.readByte(at(base + 3))).isEqualTo((byte) 0xCA);

            ram.writeLong(at(base + 8), 0x0123_4567_89AB_CDEFL);
            assertThat(ram.readLong(at(base + 8))).isEqualTo(0x0123_4567_89AB_CDEFL);
            assertThat(ram.readInt(at(base + 8))).isEqualTo(0x89AB_CDEF);
            assertThat(ram.readInt(at(base + 12))).isEqualTo(0x0123_4567);
            assertThat(ram.readByte(at(base + 15))).isEqualTo((byte) 0x01);
        }
        // unaligned
        ram.writeLong(at(0x2003), -2L);
        assertThat(ram.readLong(at(0x2003))).isEqualTo(-2L);
        assertThat(ram.readByte(at(0x2002))).isZero();
        assertThat(ram.readByte(at(0x200B))).isZero();
    }

    @Test
    void regionsAreDistinctMemory() {
        GuestRam ram = twoRegions();
        ram.writeLong(at(0x100), 1);
        ram.writeLong(at(HIGH_START + 0x100), 2);
        assertThat(ram.readLong(at(0x100))).isEqualTo(1);
        assertThat(ram.readLong(at(HIGH_START + 0x100))).isEqualTo(2);
    }

    @Test
    void bulkWriteAndReadHonourArrayOffsetAndLength() {
        GuestRam ram = twoRegions();
        byte[] src = new byte[5000];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7 + 1);
        }
        ram.write(at(HIGH_START + 0x3FF), src, 100, 4000);
        assertThat(ram.readByte(at(HIGH_START + 0x3FE))).isZero();
        assertThat(ram.readByte(at(HIGH_START + 0x3FF))).isEqualTo(src[100]);
        assertThat(ram.readByte(at(HIGH_START + 0x3FF + 3999))).isEqualTo(src[4099]);
        assertThat(ram.readByte(at(HIGH_START + 0x3FF + 4000))).isZero();

        byte[] dst = new byte[4100];
        ram.read(at(HIGH_START + 0x3FF), dst, 50, 4000);
        for (int i = 0; i < 4000; i++) {
            assertThat(dst[50 + i]).as("byte %d", i).isEqualTo(src[100 + i]);
        }
        assertThat(dst[49]).isZero();
        assertThat(dst[4050]).isZero();

        byte[] whole = "entire array".getBytes(StandardCharsets.US_ASCII);
        ram.write(at(0x7000), whole);
        byte[] back = new byte[whole.length];
        ram.read(at(0x7000), back, 0, back.length);
        assertThat(back).isEqualTo(whole);
    }

    @Test
    void accessesRightUpToTheEndOfARegionWork() {
        GuestRam ram = twoRegions();
        ram.writeLong(at(LOW_SIZE - 8), 42);
        assertThat(ram.readLong(at(LOW_SIZE - 8))).isEqualTo(42);
        ram.writeByte(at(HIGH_START + HIGH_SIZE - 1), (byte) 7);
        assertThat(ram.readByte(at(HIGH_START + HIGH_SIZE - 1))).isEqualTo((byte) 7);
        ram.write(at(0), new byte[(int) LOW_SIZE]);
        ram.clear(at(HIGH_START), HIGH_SIZE);
    }

    @Test
    void clearZeroesExactlyTheRange() {
        GuestRam ram = twoRegions();
        byte[] ones = new byte[64];
        java.util.Arrays.fill(ones, (byte) 0xFF);
        ram.write(at(0x5000), ones);
        ram.clear(at(0x5008), 48);
        assertThat(ram.readLong(at(0x5000))).isEqualTo(-1L);
        for (long a = 0x5008; a < 0x5038; a += 8) {
            assertThat(ram.readLong(at(a))).isZero();
        }
        assertThat(ram.readLong(at(0x5038))).isEqualTo(-1L);
        ram.clear(at(0x5000), 0);
        assertThat(ram.readLong(at(0x5000))).isEqualTo(-1L);
    }

    @Test
    void containsMatchesTheRegions() {
        GuestRam ram = twoRegions();
        assertThat(ram.contains(at(0), LOW_SIZE)).isTrue();
        assertThat(ram.contains(at(0), LOW_SIZE + 1)).isFalse();
        assertThat(ram.contains(at(LOW_SIZE - 1), 1)).isTrue();
        assertThat(ram.contains(at(LOW_SIZE), 1)).isFalse();
        assertThat(ram.contains(at(0x8000_0000L), 1)).isFalse();
        assertThat(ram.contains(at(HIGH_START), HIGH_SIZE)).isTrue();
        assertThat(ram.contains(at(HIGH_START - 1), 2)).isFalse();
        assertThat(ram.contains(at(HIGH_START + HIGH_SIZE), 1)).isFalse();
        assertThat(ram.contains(at(0x10), -1)).isFalse();
        assertThat(ram.contains(at(0xFFFF_FFFF_FFFF_FFF8L), 8)).isFalse();
        assertThat(ram.contains(at(8), Long.MAX_VALUE)).isFalse();
    }

    /** Every kind of access at {@code address} with {@code length} bytes must throw naming the address. */
    private static void assertOutside(GuestRam ram, long address) {
        String hex = String.format("0x%x", address);
        List<ThrowingCallable> accesses = List.of(
                () -> ram.readByte(at(address)),
                () -> ram.readInt(at(address)),
                () -> ram.readLong(at(address)),
                () -> ram.writeByte(at(address), (byte) 1),
                () -> ram.writeShort(at(address), (short) 1),
                () -> ram.writeInt(at(address), 1),
                () -> ram.writeLong(at(address), 1),
                () -> ram.read(at(address), new byte[16], 0, 16),
                () -> ram.write(at(address), new byte[16], 0, 16),
                () -> ram.clear(at(address), 16));
        for (int i = 0; i < accesses.size(); i++) {
            assertThatThrownBy(accesses.get(i))
                    .as("access #%d at %s", i, hex)
                    .isInstanceOf(GuestMemoryException.class)
                    .hasMessageContaining(hex);
        }
    }

    @Test
    void accessesOutsideRamThrowInsteadOfCrashing() {
        GuestRam ram = twoRegions();
        assertOutside(ram, LOW_SIZE);                          // just past the low region
        assertOutside(ram, 0x8000_0000L);                      // in the hole
        assertOutside(ram, HIGH_START - 0x1000);               // just below the high region
        assertOutside(ram, HIGH_START + HIGH_SIZE);            // just past the high region
        assertOutside(ram, 0x10_0000_0000L);                   // far above
        assertOutside(ram, 0x8000_0000_0000_0000L);            // above 2^63 (negative as a long)
        assertOutside(ram, 0xFFFF_FFFF_FFFF_FFF8L);            // would wrap past 2^64
    }

    /** Every multi-byte access that starts inside a region and runs past {@code end} must throw naming its start. */
    private static void assertStraddles(GuestRam ram, long end) {
        List<Object[]> accesses = List.of(
                new Object[] {end - 2, (ThrowingCallable) () -> ram.readInt(at(end - 2))},
                new Object[] {end - 7, (ThrowingCallable) () -> ram.readLong(at(end - 7))},
                new Object[] {end - 1, (ThrowingCallable) () -> ram.writeShort(at(end - 1), (short) 1)},
                new Object[] {end - 3, (ThrowingCallable) () -> ram.writeInt(at(end - 3), 1)},
                new Object[] {end - 4, (ThrowingCallable) () -> ram.writeLong(at(end - 4), 1)},
                new Object[] {end - 8, (ThrowingCallable) () -> ram.read(at(end - 8), new byte[16], 0, 16)},
                new Object[] {end - 15, (ThrowingCallable) () -> ram.write(at(end - 15), new byte[16], 0, 16)},
                new Object[] {end - 1, (ThrowingCallable) () -> ram.clear(at(end - 1), 2)});
        for (Object[] access : accesses) {
            String hex = String.format("0x%x", (long) access[0]);
            assertThatThrownBy((ThrowingCallable) access[1])
                    .as("access at %s running past 0x%x", hex, end)
                    .isInstanceOf(GuestMemoryException.class)
                    .hasMessageContaining(hex);
        }
    }

    @Test
    void accessesThatStraddleARegionEndThrow() {
        GuestRam ram = twoRegions();
        assertStraddles(ram, LOW_SIZE);
        assertStraddles(ram, HIGH_START + HIGH_SIZE);
        // starting in the hole and running into the high region
        assertOutside(ram, HIGH_START - 1);
        assertThatThrownBy(() -> ram.readLong(at(LOW_SIZE - 7))).isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("0x1ffff9");
        assertThatThrownBy(() -> ram.clear(at(0x1000), LOW_SIZE)).isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("0x1000");
    }

    @Test
    void aRejectedAccessWritesNothing() {
        GuestRam ram = twoRegions();
        byte[] junk = new byte[32];
        java.util.Arrays.fill(junk, (byte) 0x77);
        assertThatThrownBy(() -> ram.write(at(LOW_SIZE - 16), junk, 0, 32)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> ram.writeLong(at(LOW_SIZE - 4), -1L)).isInstanceOf(GuestMemoryException.class);
        assertThat(ram.readLong(at(LOW_SIZE - 16))).isZero();
        assertThat(ram.readLong(at(LOW_SIZE - 8))).isZero();
    }

    @Test
    void negativeLengthsAreRejected() {
        GuestRam ram = twoRegions();
        assertThatThrownBy(() -> ram.read(at(0x1000), new byte[8], 0, -1)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> ram.write(at(0x1000), new byte[8], 0, -1)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> ram.clear(at(0x1000), -1)).isInstanceOf(GuestMemoryException.class);
    }

    @Test
    void javaArrayBoundsAreCheckedToo() {
        GuestRam ram = twoRegions();
        assertThatThrownBy(() -> ram.read(at(0x1000), new byte[8], 4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ram.write(at(0x1000), new byte[8], 4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> ram.write(at(0x1000), new byte[8], -1, 4)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void closeUnmapsEveryRegion() throws IOException {
        long size = 0x123_0000L;                                  // an unusual size, easy to tell apart
        GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0), GuestAddress.of(HIGH_START)), List.of(size, size));
        long[] hosts = ram.regions().stream().mapToLong(GuestRegion::hostAddress).toArray();
        try {
            ram.writeLong(at(size - 8), 1);
            for (long host : hosts) {
                assertThat(mappingsOverlapping(host, size)).as("mapping at 0x%x while open", host)
                        .anySatisfy(m -> assertThat(m[0] <= host && m[1] >= host + size).isTrue());
            }
        } finally {
            ram.close();
        }
        for (long host : hosts) {
            assertThat(mappingsOverlapping(host, size)).as("mappings over [0x%x, +0x%x) after close", host, size).isEmpty();
        }
        ram.close(); // idempotent: a second munmap must not hit whatever is mapped there now
    }

    /** [start, end) of the lines of /proc/self/maps that overlap [address, address + size). */
    private static List<long[]> mappingsOverlapping(long address, long size) throws IOException {
        List<long[]> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            if (Long.compareUnsigned(start, address + size) < 0 && Long.compareUnsigned(address, end) < 0) {
                found.add(new long[] {start, end});
            }
        }
        return found;
    }

    @Test
    void aFailedMapUnmapsWhatWasAlreadyMapped() throws IOException {
        long size = 0x321_0000L;
        long before = countMappingsOfSize(size);
        assertThatThrownBy(() -> GuestRam.map(List.of(GuestAddress.of(0), GuestAddress.of(HIGH_START)),
                List.of(size, -1L))).isInstanceOf(RuntimeException.class);
        assertThat(countMappingsOfSize(size)).isEqualTo(before);
    }

    private static long countMappingsOfSize(long size) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            return Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16) == size;
        }).count();
    }

    /**
     * GuestMemory promises that a bad access throws and never crashes the JVM; after close the
     * RAM is gone, so an access must throw too rather than touch an unmapped (or reused) host
     * address. Run in a child JVM because the failure mode is SIGSEGV.
     */
    @Test
    void accessAfterCloseThrowsInsteadOfCrashing(@TempDir Path dir) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx64m",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash",
                "-cp", classPath, UseAfterClose.class.getName())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("child JVM exit status; output:%n%s", output).isZero();
        assertThat(output).contains("read after close threw").contains("write after close threw");
    }

    /** Child-JVM side of {@link #accessAfterCloseThrowsInsteadOfCrashing}. */
    public static final class UseAfterClose {
        public static void main(String[] args) {
            GuestRam ram = GuestRam.map(List.of(GuestAddress.of(0)), List.of(0x10_0000L));
            ram.writeLong(GuestAddress.of(0x100), 1);
            ram.close();
            try {
                ram.readLong(GuestAddress.of(0x100));
                System.out.println("read after close returned");
            } catch (RuntimeException e) {
                System.out.println("read after close threw " + e);
            }
            try {
                ram.writeLong(GuestAddress.of(0x100), 2);
                System.out.println("write after close returned");
            } catch (RuntimeException e) {
                System.out.println("write after close threw " + e);
            }
        }
    }
}
