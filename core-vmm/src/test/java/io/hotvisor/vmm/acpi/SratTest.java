package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.acpi.AcpiTablesTest.le;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Offsets as in ACPI 6.5 §5.2.16: entries from 48; memory affinity 40 bytes, x2APIC affinity 24. */
class SratTest {
    private static final List<AddressRange> RAM = List.of(new AddressRange(0, 0xA0000),
            new AddressRange(0x10_0000, 0xBFF0_0000L), new AddressRange(0x1_0000_0000L, 0x4000_0000L));

    @Test
    void ramIsEnabledTheHotplugRegionEnabledAndHotPluggable() {
        AddressRange hotplug = new AddressRange(0x2_0000_0000L, 0x8_0000_0000L);
        ByteBuffer srat = le(Srat.build(2, RAM, Optional.of(hotplug), List.of()));

        assertThat(srat.get(8)).as("revision").isEqualTo((byte) 3);
        assertThat(srat.getInt(36)).as("reserved, 1 for compatibility").isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            int entry = 48 + 40 * i;
            AddressRange range = i < 3 ? RAM.get(i) : hotplug;
            assertThat(srat.get(entry)).isEqualTo((byte) 1);
            assertThat(srat.get(entry + 1)).isEqualTo((byte) 40);
            assertThat(srat.getInt(entry + 2)).as("proximity domain").isZero();
            assertThat(srat.getLong(entry + 8)).as("base").isEqualTo(range.base());
            assertThat(srat.getLong(entry + 16)).as("length").isEqualTo(range.size());
            assertThat(srat.getInt(entry + 28)).as("flags of " + range).isEqualTo(i < 3 ? 1 : 1 | 2);
        }
    }

    @Test
    void everyPossibleVcpuHasAnEnabledX2apicAffinity() {
        ByteBuffer srat = le(Srat.build(5, RAM, Optional.empty(), List.of()));
        int first = 48 + 40 * RAM.size();

        assertThat(srat.capacity()).isEqualTo(first + 5 * 24);
        for (int vcpu = 0; vcpu < 5; vcpu++) {
            int entry = first + 24 * vcpu;
            assertThat(srat.get(entry)).isEqualTo((byte) 2);
            assertThat(srat.get(entry + 1)).isEqualTo((byte) 24);
            assertThat(srat.getInt(entry + 4)).as("proximity domain").isZero();
            assertThat(srat.getInt(entry + 8)).as("x2APIC id").isEqualTo(vcpu);
            assertThat(srat.getInt(entry + 12)).as("flags: enabled").isEqualTo(1);
        }
    }

    @Test
    void contributedEntriesComeLast() {
        byte[] contributed = SampleCapabilityAml.sratEntry();

        byte[] srat = Srat.build(1, RAM, Optional.empty(), List.of(contributed));

        assertThat(Arrays.copyOfRange(srat, srat.length - contributed.length, srat.length)).isEqualTo(contributed);
    }
}
