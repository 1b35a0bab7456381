package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.and;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.createDWordField;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.ifElse;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.lEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lNotEqual;
import static io.hotvisor.vmm.api.acpi.Asl.local;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.or;
import static io.hotvisor.vmm.api.acpi.Asl.path;
import static io.hotvisor.vmm.api.acpi.Asl.pkg;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.scope;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.toUuid;
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
    private static final int PCI_SLOTS = 32;
    private static final int INTX_PINS = 4;
    /** _PRT entry address: any function of a slot. */
    private static final int ALL_FUNCTIONS = 0xFFFF;
    /** PCI Firmware 3.2 §4.5.1: the _OSC UUID of PCI host bridges. */
    private static final String PCI_HOST_BRIDGE_OSC = "33DB4D5B-1FF7-401C-9657-7441C03DD766";
    /** _OSC control bits granted: all but native hotplug (bit 0), which the ACPI PCI hotplug to come will own. */
    private static final long OSC_GRANTED_CONTROLS = 0x1E;
    private static final long OSC_UNRECOGNISED_UUID = 0x04;
    private static final long OSC_UNRECOGNISED_REVISION = 0x08;
    private static final long OSC_CAPABILITIES_MASKED = 0x10;

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
                                bridge.mmio64Window().base(), bridge.mmio64Window().last()))),
                name("_PRT", interruptRouting()),
                operatingSystemCapabilities());
    }

    /** Each slot's INTA#-INTD# to the GSI the bus drives for it; a GSI source (0) means level, active low. */
    private static Aml interruptRouting() {
        List<Aml> entries = new ArrayList<>();
        for (int slot = 0; slot < PCI_SLOTS; slot++) {
            for (int pin = 0; pin < INTX_PINS; pin++) {
                entries.add(pkg(integer((long) slot << 16 | ALL_FUNCTIONS), integer(pin), ZERO,
                        integer(PciHostBridge.intxGsi(slot, pin + 1))));
            }
        }
        return pkg(entries);
    }

    /**
     * {@code _OSC} as QEMU's q35 with ACPI hotplug answers it: the OS may take every PCIe feature
     * it asks for but native hotplug, so Linux's pciehp leaves the slots to acpiphp.
     */
    private static Aml operatingSystemCapabilities() {
        Aml status = path("CDW1");
        Aml controls = path("CDW3");
        return method("_OSC", 4, false,
                createDWordField(arg(3), ZERO, "CDW1"),
                ifElse(lEqual(arg(0), toUuid(PCI_HOST_BRIDGE_OSC)), List.of(
                        createDWordField(arg(3), integer(8), "CDW3"),
                        store(controls, local(0)),
                        and(local(0), integer(OSC_GRANTED_CONTROLS), local(0)),
                        ifThen(lNotEqual(arg(1), ONE), or(status, integer(OSC_UNRECOGNISED_REVISION), status)),
                        ifThen(lNotEqual(controls, local(0)), or(status, integer(OSC_CAPABILITIES_MASKED), status)),
                        store(local(0), controls)),
                        List.of(or(status, integer(OSC_UNRECOGNISED_UUID), status))),
                returnValue(arg(3)));
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
