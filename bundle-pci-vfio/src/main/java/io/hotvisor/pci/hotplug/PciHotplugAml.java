package io.hotvisor.pci.hotplug;

import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.acquire;
import static io.hotvisor.vmm.api.acpi.Asl.and;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.field;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.invoke;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.mutex;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.notifyDevice;
import static io.hotvisor.vmm.api.acpi.Asl.operationRegion;
import static io.hotvisor.vmm.api.acpi.Asl.path;
import static io.hotvisor.vmm.api.acpi.Asl.release;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.scope;
import static io.hotvisor.vmm.api.acpi.Asl.shiftLeft;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static io.hotvisor.vmm.api.acpi.FieldEntry.named;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.FieldAccess;
import io.hotvisor.vmm.api.acpi.FieldLock;
import io.hotvisor.vmm.api.acpi.FieldUpdate;
import io.hotvisor.vmm.api.acpi.RegionSpace;
import io.hotvisor.vmm.api.acpi.Resources;
import io.hotvisor.vmm.api.pci.PciAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The PCI hotplug AML, as Cloud Hypervisor's: {@code \_SB.PHPR} holds the register region, the
 * mutex, {@code PCEJ} (eject a slot) and the GED's scan method {@code PSCN}; under {@code \_SB.PCI0}
 * {@code PCNT} notifies each slot device {@code S00..S31} with 1 (device check) for the PCIU bits
 * and 3 (eject request) for the PCID bits. Slot devices have {@code _SUN}, {@code _ADR} and, where
 * a device may leave, {@code _EJ0}; Linux's acpiphp makes the slots with {@code _EJ0} its own.
 */
final class PciHotplugAml {
    static final String SCAN_METHOD = "\\_SB.PHPR.PSCN";
    private static final int NOTIFY_DEVICE_CHECK = 1;
    private static final int NOTIFY_EJECT_REQUEST = 3;
    private static final int MAX_WAIT = 0xFFFF;
    /** _STA of the controller: present, enabled, functioning, not shown. */
    private static final int CONTROLLER_STATUS = 0x0B;

    private PciHotplugAml() {
    }

    /** The AML for a controller at {@code registers}; {@code fixedSlots} (and slot 0) get no {@code _EJ0}. */
    static List<Aml> build(GuestAddress registers, Set<Integer> fixedSlots) {
        Aml controller = device("\\_SB.PHPR",
                name("_HID", eisaId("PNP0A06")),
                name("_UID", string("PCI Hotplug Controller")),
                name("_STA", integer(CONTROLLER_STATUS)),
                mutex("BLCK", 0),
                name("_CRS", resourceTemplate(Resources.memory32Fixed(true, registers.value(), PhprRegisters.LENGTH))),
                operationRegion("PCST", RegionSpace.SYSTEM_MEMORY, integer(registers.value()),
                        integer(PhprRegisters.LENGTH)),
                field("PCST", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                        named("PCIU", 32), named("PCID", 32), named("B0EJ", 32), named("PSEG", 32)),
                method("PCEJ", 2, true,
                        acquire(path("BLCK"), MAX_WAIT),
                        store(arg(1), path("PSEG")),
                        store(shiftLeft(ONE, arg(0)), path("B0EJ")),
                        release(path("BLCK")),
                        returnValue(ZERO)),
                method("PSCN", 0, true,
                        acquire(path("BLCK"), MAX_WAIT),
                        store(ZERO, path("PSEG")),
                        invoke("\\_SB.PCI0.PCNT"),
                        release(path("BLCK"))));

        List<Aml> bus = new ArrayList<>();
        List<Aml> notifications = new ArrayList<>();
        for (int slot = 0; slot < PciAddress.SLOTS_PER_BUS; slot++) {
            boolean ejectable = slot != 0 && !fixedSlots.contains(slot);
            bus.add(slotDevice(slot, ejectable));
            if (ejectable) {
                notifications.add(ifThen(and(arg(0), integer(1L << slot)), notifyDevice(path(slotName(slot)), arg(1))));
            }
        }
        bus.add(method("DVNT", 2, false, notifications));
        bus.add(method("PCNT", 0, false,
                invoke("DVNT", path("\\_SB.PHPR.PCIU"), integer(NOTIFY_DEVICE_CHECK)),
                invoke("DVNT", path("\\_SB.PHPR.PCID"), integer(NOTIFY_EJECT_REQUEST))));
        return List.of(controller, scope("\\_SB.PCI0", bus));
    }

    static String slotName(int slot) {
        return String.format("S%02d", slot);
    }

    private static Aml slotDevice(int slot, boolean ejectable) {
        List<Aml> body = new ArrayList<>(List.of(
                name("_SUN", integer(slot)),
                name("_ADR", integer((long) slot << 16))));
        if (ejectable) {
            body.add(method("_EJ0", 1, false, invoke("\\_SB.PHPR.PCEJ", path("_SUN"), path("_SEG"))));
        }
        return device(slotName(slot), body);
    }
}
