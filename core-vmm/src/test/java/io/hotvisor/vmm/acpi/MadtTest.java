package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.acpi.AcpiTablesTest.le;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The x2APIC flag bytes, checked directly: iasl 2020 does not decode Online-Capable (pitfalls item
 * 2). Offsets as in ACPI 6.5 §5.2.12: entries start at 44; an x2APIC entry is type 9, length 16,
 * reserved u16, x2APIC id at +4, flags at +8, UID at +12.
 */
class MadtTest {
    private static final int FIRST_ENTRY = 44;
    private static final int ENABLED = 1;
    private static final int ONLINE_CAPABLE = 2;

    @ParameterizedTest(name = "{0} boot of {1} possible")
    @CsvSource({"1, 1", "1, 2", "2, 8", "4, 4", "16, 32", "64, 128", "1, 255", "255, 255"})
    void bootVcpusAreEnabledAndTheRestOnlyOnlineCapable(int boot, int possible) {
        Set<Integer> bootVcpus = IntStream.range(0, boot).boxed().collect(Collectors.toSet());

        assertProcessorEntries(Madt.build(bootVcpus, possible, List.of()), bootVcpus, possible);
    }

    /** After a reset, the vCPUs hot-added before it are present at boot, wherever their ids lie. */
    @Test
    void presentVcpusNeedNotBeTheFirstOnes() {
        Set<Integer> bootVcpus = Set.of(0, 2, 5);

        assertProcessorEntries(Madt.build(bootVcpus, 8, List.of()), bootVcpus, 8);
    }

    private static void assertProcessorEntries(byte[] table, Set<Integer> bootVcpus, int possible) {
        ByteBuffer madt = le(table);
        for (int vcpu = 0; vcpu < possible; vcpu++) {
            int entry = FIRST_ENTRY + 16 * vcpu;
            assertThat(madt.get(entry)).as("type of entry %d", vcpu).isEqualTo((byte) 9);
            assertThat(madt.get(entry + 1)).as("length of entry %d", vcpu).isEqualTo((byte) 16);
            assertThat(madt.getInt(entry + 4)).as("x2APIC id of vCPU %d", vcpu).isEqualTo(vcpu);
            assertThat(madt.getInt(entry + 12)).as("UID of vCPU %d", vcpu).isEqualTo(vcpu);
            int flags = madt.getInt(entry + 8);
            if (bootVcpus.contains(vcpu)) {
                assertThat(flags).as("boot vCPU %d: Enabled, and Online-Capable not set with it", vcpu)
                        .isEqualTo(ENABLED);
            } else {
                assertThat(flags).as("possible vCPU %d: Online-Capable, not Enabled", vcpu).isEqualTo(ONLINE_CAPABLE);
            }
        }
    }

    @Test
    void headerHasRevision5TheLocalApicAndPcatCompat() {
        ByteBuffer madt = le(Madt.build(Set.of(0), 2, List.of()));

        assertThat(madt.get(8)).as("revision").isEqualTo((byte) 5);
        assertThat(madt.getInt(36)).as("local APIC address").isEqualTo(0xFEE0_0000);
        assertThat(madt.getInt(40)).as("flags: PCAT_COMPAT").isEqualTo(1);
    }

    @Test
    void ioApicSourceOverrideAndNmiFollowTheProcessors() {
        byte[] madt = Madt.build(Set.of(0), 2, List.of());
        int after = FIRST_ENTRY + 2 * 16;

        assertThat(Arrays.copyOfRange(madt, after, madt.length)).containsExactly(
                // I/O APIC: id 0, address 0xFEC00000, GSI base 0
                0x01, 0x0C, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xFE, 0x00, 0x00, 0x00, 0x00,
                // ISA IRQ 0 -> GSI 2, flags conform to the bus (edge, active high)
                0x02, 0x0A, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                // local x2APIC NMI: all processors (UID 0xFFFFFFFF), LINT1
                0x0A, 0x0C, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00);
    }

    @Test
    void contributedEntriesComeLast() {
        byte[] contributed = SampleCapabilityAml.madtEntry();

        byte[] madt = Madt.build(Set.of(0), 1, List.of(contributed));

        assertThat(Arrays.copyOfRange(madt, madt.length - contributed.length, madt.length)).isEqualTo(contributed);
        assertThat(le(madt).getInt(4)).isEqualTo(madt.length);
    }
}
