package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.api.acpi.Aml;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What the ACPI tables describe: vCPUs (boot and possible), RAM, the memory hotplug region, the
 * PCIe host bridge if there is one, whether a CMOS RTC is emulated, and what capability bundles
 * contribute (DSDT AML, raw MADT and SRAT entries).
 *
 * @param bootVcpus the ids of the vCPUs present at boot (always 0, the boot CPU; after a reset also
 *                  those hot-added before it): MADT Enabled
 * @param possibleVcpus every vCPU the VM may ever have; the others are MADT Online-Capable
 * @param ram guest RAM ranges (as the e820 map lists them), proximity domain 0 in SRAT
 * @param hotplugRegion where memory may be hot-added; SRAT marks it hot-pluggable
 * @param pciHostBridge present when the VM has PCI: adds PCI0 and its ECAM reservation to the DSDT and an MCFG
 * @param cmosRtc whether a CMOS RTC answers at ports 0x70/0x71 (else the FADT says there is none)
 * @param dsdtContributions AML appended at the DSDT's top level; contributors give absolute paths or their own Scope
 * @param madtEntries complete MADT entries (type, length, ...) appended after the core's
 * @param sratEntries complete SRAT entries appended after the core's
 */
public record AcpiMachine(Set<Integer> bootVcpus, int possibleVcpus, List<AddressRange> ram,
                          Optional<AddressRange> hotplugRegion, Optional<PciHostBridge> pciHostBridge,
                          boolean cmosRtc, List<Aml> dsdtContributions, List<byte[]> madtEntries,
                          List<byte[]> sratEntries) {
    /** APIC ids 0-254: 255 is the xAPIC broadcast id, and larger ids need interrupt remapping. */
    public static final int MAX_VCPUS = 255;

    public AcpiMachine {
        if (possibleVcpus < 1 || possibleVcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("need 1 <= possible vCPUs (" + possibleVcpus + ") <= " + MAX_VCPUS);
        }
        if (!bootVcpus.contains(0) || bootVcpus.stream().anyMatch(id -> id < 0 || id >= possibleVcpus)) {
            throw new IllegalArgumentException("boot vCPUs " + new TreeSet<>(bootVcpus)
                    + " must include vCPU 0 and lie below the possible vCPUs (" + possibleVcpus + ")");
        }
        bootVcpus = Set.copyOf(bootVcpus);
        if (ram.isEmpty()) {
            throw new IllegalArgumentException("the machine has no RAM ranges");
        }
        ram = List.copyOf(ram);
        dsdtContributions = List.copyOf(dsdtContributions);
        madtEntries = copyEntries(madtEntries, "MADT");
        sratEntries = copyEntries(sratEntries, "SRAT");
    }

    /** A machine whose vCPUs 0 to {@code bootVcpus - 1} are present at boot. */
    public static Builder builder(int bootVcpus, int possibleVcpus) {
        if (bootVcpus < 1 || bootVcpus > possibleVcpus) {
            throw new IllegalArgumentException("need 1 <= boot vCPUs (" + bootVcpus + ") <= possible vCPUs ("
                    + possibleVcpus + ")");
        }
        return builder(IntStream.range(0, bootVcpus).boxed().collect(Collectors.toSet()), possibleVcpus);
    }

    public static Builder builder(Set<Integer> bootVcpus, int possibleVcpus) {
        return new Builder(bootVcpus, possibleVcpus);
    }

    @Override
    public List<byte[]> madtEntries() {
        return madtEntries.stream().map(byte[]::clone).toList();
    }

    @Override
    public List<byte[]> sratEntries() {
        return sratEntries.stream().map(byte[]::clone).toList();
    }

    /** Each entry starts with its type and its own length (ACPI 6.5 §5.2.12, §5.2.16). */
    private static List<byte[]> copyEntries(List<byte[]> entries, String table) {
        List<byte[]> copies = new ArrayList<>();
        for (byte[] entry : entries) {
            if (entry.length < 2 || entry.length > 0xFF || Byte.toUnsignedInt(entry[1]) != entry.length) {
                throw new IllegalArgumentException(table + " entry " + Arrays.toString(entry)
                        + " must start with its type and a length byte equal to its size (2-255)");
            }
            copies.add(entry.clone());
        }
        return List.copyOf(copies);
    }

    public static final class Builder {
        private final Set<Integer> bootVcpus;
        private final int possibleVcpus;
        private final List<AddressRange> ram = new ArrayList<>();
        private AddressRange hotplugRegion;
        private PciHostBridge pciHostBridge;
        private boolean cmosRtc;
        private final List<Aml> dsdtContributions = new ArrayList<>();
        private final List<byte[]> madtEntries = new ArrayList<>();
        private final List<byte[]> sratEntries = new ArrayList<>();

        private Builder(Set<Integer> bootVcpus, int possibleVcpus) {
            this.bootVcpus = bootVcpus;
            this.possibleVcpus = possibleVcpus;
        }

        public Builder ram(long base, long size) {
            ram.add(new AddressRange(base, size));
            return this;
        }

        public Builder hotplugRegion(long base, long size) {
            hotplugRegion = new AddressRange(base, size);
            return this;
        }

        /** Gives the VM a PCIe host bridge: PCI0 and its ECAM reservation in the DSDT, and an MCFG. */
        public Builder pciHostBridge(PciHostBridge bridge) {
            pciHostBridge = bridge;
            return this;
        }

        public Builder cmosRtc(boolean present) {
            cmosRtc = present;
            return this;
        }

        public Builder dsdt(List<? extends Aml> aml) {
            dsdtContributions.addAll(aml);
            return this;
        }

        public Builder madtEntry(byte[] entry) {
            madtEntries.add(entry);
            return this;
        }

        public Builder sratEntry(byte[] entry) {
            sratEntries.add(entry);
            return this;
        }

        public AcpiMachine build() {
            return new AcpiMachine(bootVcpus, possibleVcpus, ram, Optional.ofNullable(hotplugRegion),
                    Optional.ofNullable(pciHostBridge), cmosRtc, dsdtContributions, madtEntries, sratEntries);
        }
    }
}
