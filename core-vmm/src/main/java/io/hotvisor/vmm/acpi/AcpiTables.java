package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.arch.ResetVector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A machine's ACPI tables, placed in the BIOS area: the RSDP at 0xE0000, where Linux's scan of
 * 0xE0000-0xFFFFF (16-byte steps) finds it even without {@code boot_params.acpi_rsdp_addr}, then
 * XSDT, FADT, DSDT, MADT, SRAT and (with PCI) MCFG, each 8-byte aligned, all below 1 MiB. The
 * e820 map already reserves 0xA0000-0xFFFFF.
 */
public final class AcpiTables {
    public static final GuestAddress RSDP_ADDRESS = GuestAddress.of(0xE0000);
    /** The tables must end below the 1 MiB boundary, where the kernel is loaded. */
    /** The tables end below 1 MiB (where the kernel goes), before the reset vector's stub. */
    public static final GuestAddress AREA_END = GuestAddress.of(ResetVector.ADDRESS);
    private static final int TABLE_ALIGNMENT = 8;
    private static final String RSDP_LABEL = "RSDP";

    private final List<AcpiTable> tables;

    private AcpiTables(List<AcpiTable> tables) {
        this.tables = List.copyOf(tables);
    }

    public static AcpiTables build(AcpiMachine machine) {
        // Every table's size is known before any address: place them, then fill in the pointers.
        Map<String, byte[]> describedByXsdt = new LinkedHashMap<>();
        describedByXsdt.put(Madt.SIGNATURE,
                Madt.build(machine.bootVcpus(), machine.possibleVcpus(), machine.madtEntries()));
        describedByXsdt.put(Srat.SIGNATURE, Srat.build(machine.possibleVcpus(), machine.ram(),
                machine.hotplugRegion(), machine.sratEntries()));
        machine.pciHostBridge().ifPresent(bridge -> describedByXsdt.put(Mcfg.SIGNATURE, Mcfg.build(bridge)));
        byte[] dsdt = Dsdt.build(machine);

        long xsdtAddress = align(RSDP_ADDRESS.value() + Rsdp.LENGTH);
        long fadtAddress = align(xsdtAddress + Xsdt.length(1 + describedByXsdt.size()));
        long dsdtAddress = align(fadtAddress + Fadt.LENGTH);
        List<AcpiTable> afterDsdt = new ArrayList<>();
        long next = align(dsdtAddress + dsdt.length);
        for (Map.Entry<String, byte[]> table : describedByXsdt.entrySet()) {
            afterDsdt.add(new AcpiTable(table.getKey(), GuestAddress.of(next), table.getValue()));
            next = align(next + table.getValue().length);
        }
        List<Long> xsdtEntries = new ArrayList<>(List.of(fadtAddress));
        afterDsdt.forEach(table -> xsdtEntries.add(table.address().value()));

        List<AcpiTable> placed = new ArrayList<>(List.of(
                new AcpiTable(RSDP_LABEL, RSDP_ADDRESS, Rsdp.build(xsdtAddress)),
                new AcpiTable(Xsdt.SIGNATURE, GuestAddress.of(xsdtAddress), Xsdt.build(xsdtEntries)),
                new AcpiTable(Fadt.SIGNATURE, GuestAddress.of(fadtAddress), Fadt.build(dsdtAddress, machine.cmosRtc())),
                new AcpiTable(Dsdt.SIGNATURE, GuestAddress.of(dsdtAddress), dsdt)));
        placed.addAll(afterDsdt);
        requireFit(placed);
        return new AcpiTables(placed);
    }

    /** The address for {@code boot_params.acpi_rsdp_addr}. */
    public GuestAddress rsdpAddress() {
        return RSDP_ADDRESS;
    }

    /** The RSDP first, then the tables in address order. */
    public List<AcpiTable> tables() {
        return tables;
    }

    /** The table with this signature ("RSDP" for the RSDP). */
    public Optional<AcpiTable> table(String signature) {
        return tables.stream().filter(table -> table.signature().equals(signature)).findFirst();
    }

    public void writeTo(GuestMemory memory) {
        tables.forEach(table -> memory.write(table.address(), table.bytes()));
    }

    private static void requireFit(List<AcpiTable> placed) {
        AcpiTable last = placed.get(placed.size() - 1);
        long end = last.address().value() + last.length();
        if (end > AREA_END.value()) {
            throw new IllegalStateException(String.format(
                    "ACPI tables end at 0x%x, past the 0x%x-0x%x area they must fit in (%s)",
                    end, RSDP_ADDRESS.value(), AREA_END.value() - 1,
                    placed.stream().map(AcpiTable::toString).collect(Collectors.joining("; "))));
        }
    }

    private static long align(long address) {
        return (address + TABLE_ALIGNMENT - 1) & -TABLE_ALIGNMENT;
    }
}
