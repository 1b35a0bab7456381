package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.pkg;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.scope;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.CACHEABLE;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.NON_CACHEABLE;
import static io.hotvisor.vmm.api.acpi.Resources.Polarity.ACTIVE_HIGH;
import static io.hotvisor.vmm.api.acpi.Resources.Role.CONSUMER;
import static io.hotvisor.vmm.api.acpi.Resources.Role.PRODUCER;
import static io.hotvisor.vmm.api.acpi.Resources.Sharing.EXCLUSIVE;
import static io.hotvisor.vmm.api.acpi.Resources.Trigger.EDGE;

import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.AmlWriter;
import io.hotvisor.vmm.api.acpi.Resources;
import io.hotvisor.vmm.arch.Layout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Differentiated System Description Table: the core's devices under {@code \_SB} (COM1, the
 * power button, and with PCI the host bridge PCI0 and the PNP0C02 reservation of its ECAM),
 * {@code \_S5_} (without it Linux registers no ACPI poweroff; pitfalls item 3), then the capability
 * bundles' AML. Revision 2: integers are 64-bit.
 */
final class Dsdt {
    static final String SIGNATURE = "DSDT";
    static final int REVISION = 2;

    /** _STA: present, enabled, shown in the UI, functioning. */
    private static final long PRESENT_AND_WORKING = 0x0F;
    private static final int COM1_PORTS = 8;
    private static final int PCI_CONFIG_ADDRESS_PORT = 0xCF8;
    private static final int PCI_CONFIG_PORTS = 8;
    private static final int IO_SPACE_END = 0xFFFF;

    private Dsdt() {
    }

    static byte[] build(AcpiMachine machine) {
        byte[] aml = new AmlWriter().writeAll(content(machine)).toByteArray();
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, TableHeader.LENGTH + aml.length);
        table.put(aml);
        return TableHeader.finish(table);
    }

    static List<Aml> content(AcpiMachine machine) {
        List<Aml> systemBus = new ArrayList<>(List.of(com1(), powerButton()));
        machine.pciHostBridge().ifPresent(bridge -> systemBus.addAll(List.of(pci0(bridge), ecamReservation(bridge))));
        List<Aml> content = new ArrayList<>();
        content.add(scope("\\_SB", systemBus));
        content.add(name("_S5", pkg(integer(AcpiRegisters.S5_SLEEP_TYPE), ZERO)));
        content.addAll(machine.dsdtContributions());
        return content;
    }

    private static Aml com1() {
        return device("COM1",
                name("_HID", eisaId("PNP0501")),
                name("_UID", ZERO),
                name("_STA", integer(PRESENT_AND_WORKING)),
                name("_CRS", resourceTemplate(
                        Resources.io(Layout.PORT_COM1, Layout.PORT_COM1, 0, COM1_PORTS),
                        Resources.interrupt(CONSUMER, EDGE, ACTIVE_HIGH, EXCLUSIVE, Layout.COM1_GSI))));
    }

    /** Notified (0x80) by whoever raises the power-button event; HW-reduced ACPI has no fixed button. */
    private static Aml powerButton() {
        return device("PWRB",
                name("_HID", eisaId("PNP0C0C")),
                name("_UID", ZERO),
                name("_STA", integer(PRESENT_AND_WORKING)));
    }

    /**
     * The PCIe host bridge of segment 0: its buses, the config ports it decodes, and the windows
     * it forwards: all I/O ports around 0xCF8-0xCFF (as QEMU and Cloud Hypervisor), the 32-bit
     * MMIO window and the 64-bit one.
     */
    private static Aml pci0(PciHostBridge bridge) {
        return device("PCI0",
                name("_HID", eisaId("PNP0A08")),
                name("_CID", eisaId("PNP0A03")),
                name("_UID", ZERO),
                name("_SEG", ZERO),
                name("_BBN", integer(bridge.startBus())),
                name("_STA", integer(PRESENT_AND_WORKING)),
                name("_CRS", resourceTemplate(
                        Resources.wordBusNumber(PRODUCER, bridge.startBus(), bridge.endBus()),
                        Resources.io(PCI_CONFIG_ADDRESS_PORT, PCI_CONFIG_ADDRESS_PORT, 1, PCI_CONFIG_PORTS),
                        Resources.dwordIo(PRODUCER, 0, PCI_CONFIG_ADDRESS_PORT - 1),
                        Resources.dwordIo(PRODUCER, PCI_CONFIG_ADDRESS_PORT + PCI_CONFIG_PORTS, IO_SPACE_END),
                        Resources.dwordMemory(PRODUCER, NON_CACHEABLE, true,
                                bridge.mmio32Window().base(), bridge.mmio32Window().last()),
                        Resources.qwordMemory(PRODUCER, CACHEABLE, true,
                                bridge.mmio64Window().base(), bridge.mmio64Window().last()))));
    }

    /** Linux uses MCFG only if its ECAM is reserved by a motherboard resource (or e820); pitfalls item 14. */
    private static Aml ecamReservation(PciHostBridge bridge) {
        AddressRange ecam = bridge.ecamInUse();
        return device("ECAM",
                name("_HID", eisaId("PNP0C02")),
                name("_UID", ZERO),
                name("_STA", integer(PRESENT_AND_WORKING)),
                name("_CRS", resourceTemplate(Resources.memory32Fixed(true, ecam.base(), ecam.size()))));
    }
}
