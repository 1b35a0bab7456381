package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.api.acpi.AcpiTable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.testing.HeapGuestMemory;
import io.hotvisor.vmm.api.acpi.Asl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Placement, checksums and the pointers between tables; offsets are written out as in the ACPI spec. */
class AcpiTablesTest {
    private static final long GIB = 1L << 30;

    private static AcpiMachine machine(boolean pci) {
        AcpiMachine.Builder builder = AcpiMachine.builder(2, 8).ram(0, 0xA0000).ram(0x10_0000, GIB)
                .hotplugRegion(4 * GIB, 4 * GIB);
        if (pci) {
            builder.pciHostBridge(PciHostBridge.bus0(new AddressRange(16 * GIB, 16 * GIB)));
        }
        return builder.build();
    }

    @ParameterizedTest(name = "PCI {0}")
    @ValueSource(booleans = {false, true})
    void everyTableSumsToZeroAndItsLengthFieldIsItsSize(boolean pci) {
        for (AcpiTable table : AcpiTables.build(machine(pci)).tables()) {
            byte[] bytes = table.bytes();
            if (table.signature().equals("RSDP")) {
                assertThat(sum(bytes, Rsdp.V1_LENGTH)).as("RSDP first 20 bytes").isZero();
                assertThat(sum(bytes, Rsdp.LENGTH)).as("RSDP all 36 bytes").isZero();
            } else {
                assertThat(sum(bytes, bytes.length)).as(table.signature()).isZero();
                assertThat(le(bytes).getInt(4)).as(table.signature() + " length").isEqualTo(bytes.length);
                assertThat(ascii(bytes, 0, 4)).isEqualTo(table.signature());
                assertThat(ascii(bytes, 10, 6)).isEqualTo("HOTVSR");
                assertThat(ascii(bytes, 16, 8)).isEqualTo("HVMACHIN");
                assertThat(le(bytes).getInt(24)).isEqualTo(1);
                assertThat(ascii(bytes, 28, 4)).isEqualTo("HVSR");
                assertThat(le(bytes).getInt(32)).isEqualTo(1);
            }
        }
    }

    @Test
    void rsdpIsAnAcpi2RootPointingAtTheXsdt() {
        AcpiTables tables = AcpiTables.build(machine(true));
        ByteBuffer rsdp = le(tables.table("RSDP").orElseThrow().bytes());

        assertThat(tables.rsdpAddress()).isEqualTo(GuestAddress.of(0xE0000));
        assertThat(tables.tables().get(0).address()).isEqualTo(tables.rsdpAddress());
        assertThat(ascii(rsdp.array(), 0, 8)).isEqualTo("RSD PTR ");
        assertThat(ascii(rsdp.array(), 9, 6)).isEqualTo("HOTVSR");
        assertThat(rsdp.get(15)).isEqualTo((byte) 2); // revision
        assertThat(rsdp.getInt(16)).isZero(); // no RSDT
        assertThat(rsdp.getInt(20)).isEqualTo(36); // length
        assertThat(rsdp.getLong(24)).isEqualTo(tables.table("XSDT").orElseThrow().address().value());
    }

    @ParameterizedTest(name = "PCI {0}")
    @ValueSource(booleans = {false, true})
    void xsdtPointsAtEveryTableButTheDsdtWhichTheFadtPointsAt(boolean pci) {
        AcpiTables tables = AcpiTables.build(machine(pci));
        byte[] xsdt = tables.table("XSDT").orElseThrow().bytes();
        List<String> pointedAt = new ArrayList<>();
        for (int offset = 36; offset < xsdt.length; offset += 8) {
            long address = le(xsdt).getLong(offset);
            pointedAt.add(tableAt(tables, address).signature());
        }

        assertThat(pointedAt).containsExactlyElementsOf(pci
                ? List.of("FACP", "APIC", "SRAT", "MCFG") : List.of("FACP", "APIC", "SRAT"));
        ByteBuffer fadt = le(tables.table("FACP").orElseThrow().bytes());
        assertThat(fadt.getInt(40)).as("32-bit DSDT pointer unused").isZero();
        assertThat(tableAt(tables, fadt.getLong(140)).signature()).isEqualTo("DSDT");
    }

    @Test
    void tablesFollowTheRsdpEightByteAlignedAndEndBelowOneMegabyte() {
        AcpiTables tables = AcpiTables.build(machine(true));
        long previousEnd = 0xE0000;

        assertThat(tables.tables()).extracting(AcpiTable::signature)
                .containsExactly("RSDP", "XSDT", "FACP", "DSDT", "APIC", "SRAT", "MCFG");
        for (AcpiTable table : tables.tables()) {
            assertThat(table.address().value()).as(table.toString()).isGreaterThanOrEqualTo(previousEnd);
            assertThat(table.address().value() % 8).as(table.toString()).isZero();
            previousEnd = table.address().value() + table.length();
        }
        assertThat(tables.rsdpAddress().value() % 16).as("Linux scans 16-byte boundaries").isZero();
        assertThat(previousEnd).as("below the reset vector").isLessThanOrEqualTo(0xFFFF0);
    }

    @Test
    void tablesThatDoNotFitBelowOneMegabyteAreAClearError() {
        AcpiMachine machine = AcpiMachine.builder(1, 1).ram(0, GIB)
                .dsdt(List.of(Asl.name("HUGE", Asl.buffer(new byte[128 * 1024])))).build();

        assertThatThrownBy(() -> AcpiTables.build(machine))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("past the 0xe0000-0xfffef area")
                .hasMessageContaining("DSDT at");
    }

    @Test
    void mostPossibleVcpusWithContributionsStillFit() {
        AcpiMachine machine = AcpiMachine.builder(255, 255).ram(0, GIB).hotplugRegion(4 * GIB, 64 * GIB)
                .pciHostBridge(PciHostBridge.bus0(new AddressRange(128 * GIB, 32 * GIB)))
                .dsdt(SampleCapabilityAml.forVcpus(255)).build();

        AcpiTables tables = AcpiTables.build(machine);

        AcpiTable last = tables.tables().get(tables.tables().size() - 1);
        assertThat(last.address().value() + last.length()).as("below the reset vector").isLessThanOrEqualTo(0xFFFF0);
    }

    @Test
    void writesEveryTableToGuestMemoryAtItsAddress() {
        AcpiTables tables = AcpiTables.build(machine(true));
        GuestMemory memory = new HeapGuestMemory(0x100000);

        tables.writeTo(memory);

        for (AcpiTable table : tables.tables()) {
            byte[] written = new byte[table.length()];
            memory.read(table.address(), written, 0, written.length);
            assertThat(written).as(table.toString()).isEqualTo(table.bytes());
        }
    }

    @Test
    void mcfgAndTheEcamReservationDescribeTheSameRange() {
        AcpiMachine machine = machine(true);
        AcpiTables tables = AcpiTables.build(machine);
        ByteBuffer mcfg = le(tables.table("MCFG").orElseThrow().bytes());
        byte[] reservation = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0x86).putShort((short) 9).put((byte) 1) // Memory32Fixed, ReadWrite
                .putInt(0xE000_0000).putInt(1 << 20).array();

        assertThat(mcfg.array()).hasSize(60);
        assertThat(mcfg.getLong(44)).isEqualTo(0xE000_0000L); // base
        assertThat(mcfg.getShort(52)).isZero(); // segment
        assertThat(mcfg.get(54)).isZero(); // start bus
        assertThat(mcfg.get(55)).isZero(); // end bus
        assertThat(machine.pciHostBridge().orElseThrow().ecamInUse()).isEqualTo(new AddressRange(0xE000_0000L, 1 << 20));
        assertThat(indexOf(tables.table("DSDT").orElseThrow().bytes(), reservation)).isPositive();
    }

    @Test
    void withoutPciThereIsNoMcfgAndNoPci0() {
        AcpiTables tables = AcpiTables.build(machine(false));

        assertThat(tables.table("MCFG")).isEmpty();
        byte[] dsdt = tables.table("DSDT").orElseThrow().bytes();
        assertThat(indexOf(dsdt, "PCI0".getBytes(StandardCharsets.US_ASCII))).isNegative();
        assertThat(indexOf(dsdt, "COM1".getBytes(StandardCharsets.US_ASCII))).isPositive();
    }

    @Test
    void dsdtDeclaresS5WithTheSleepTypeTheSleepRegisterExpects() {
        byte[] dsdt = AcpiTables.build(machine(false)).table("DSDT").orElseThrow().bytes();
        // Name (_S5_, Package (0x02) {0x05, Zero})
        byte[] s5 = {0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x05, 0x00};

        assertThat(dsdt[8]).as("revision 2: 64-bit integers").isEqualTo((byte) 2);
        assertThat(indexOf(dsdt, s5)).isPositive();
        assertThat(AcpiRegisters.softOffRequest()).isEqualTo((5 << 2) | (1 << 5));
        assertThat(AcpiRegisters.isSoftOffRequest(0x34)).isTrue();
        assertThat(AcpiRegisters.isSoftOffRequest(0x14)).as("SLP_TYP 5 without SLP_EN").isFalse();
        assertThat(AcpiRegisters.isResetRequest(1)).isTrue();
        assertThat(AcpiRegisters.isResetRequest(0x34)).isFalse();
    }

    private static AcpiTable tableAt(AcpiTables tables, long address) {
        return tables.tables().stream().filter(table -> table.address().value() == address).findFirst()
                .orElseThrow(() -> new AssertionError("no table at 0x" + Long.toHexString(address)));
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int sum(byte[] bytes, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += bytes[i];
        }
        return sum & 0xFF;
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
