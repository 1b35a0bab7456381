package io.hotvisor.vmm.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AcpiMachineTest {
    @Test
    void vcpuCountsMustBeConsistent() {
        assertThatThrownBy(() -> AcpiMachine.builder(0, 1).ram(0, 1 << 20).build())
                .hasMessageContaining("boot vCPUs (0)");
        assertThatThrownBy(() -> AcpiMachine.builder(4, 2).ram(0, 1 << 20).build())
                .hasMessageContaining("possible vCPUs (2)");
        assertThatThrownBy(() -> AcpiMachine.builder(1, 256).ram(0, 1 << 20).build())
                .hasMessageContaining("<= 255");
    }

    @Test
    void needsRam() {
        assertThatThrownBy(() -> AcpiMachine.builder(1, 1).build()).hasMessageContaining("no RAM");
        assertThatThrownBy(() -> AcpiMachine.builder(1, 1).ram(0, 0)).hasMessageContaining("must be positive");
    }

    @Test
    void contributedEntriesMustCarryTheirOwnLength() {
        assertThatThrownBy(() -> AcpiMachine.builder(1, 1).ram(0, 1 << 20).madtEntry(new byte[] {2, 12, 0}).build())
                .hasMessageContaining("MADT entry")
                .hasMessageContaining("length byte equal to its size");
        assertThatThrownBy(() -> AcpiMachine.builder(1, 1).ram(0, 1 << 20).sratEntry(new byte[] {1}).build())
                .hasMessageContaining("SRAT entry");
    }

    @Test
    void keepsItsOwnCopiesOfContributedEntries() {
        byte[] entry = SampleCapabilityAml.madtEntry();
        AcpiMachine machine = AcpiMachine.builder(1, 1).ram(0, 1 << 20).madtEntry(entry).build();
        entry[3] = 42;
        machine.madtEntries().get(0)[3] = 43;

        assertThat(machine.madtEntries().get(0)).isEqualTo(SampleCapabilityAml.madtEntry());
    }

    @Test
    void pciHostBridgeWindowsAreChecked() {
        AddressRange high = new AddressRange(1L << 35, 1L << 35);
        assertThatThrownBy(() -> new PciHostBridge(0xE000_0000L, 1, 0, new AddressRange(0xC000_0000L, 1 << 20), high))
                .hasMessageContaining("bus range 1-0");
        assertThatThrownBy(() -> new PciHostBridge(0xE000_0100L, 0, 0, new AddressRange(0xC000_0000L, 1 << 20), high))
                .hasMessageContaining("1 MiB aligned");
        assertThatThrownBy(() -> PciHostBridge.bus0(new AddressRange(0xC000_0000L, 1 << 20)))
                .hasMessageContaining("must start at or above 4 GiB");
        assertThat(new PciHostBridge(0xE000_0000L, 2, 3, new AddressRange(0xC000_0000L, 1 << 20), high).ecamInUse())
                .isEqualTo(new AddressRange(0xE020_0000L, 2 << 20));
    }
}
