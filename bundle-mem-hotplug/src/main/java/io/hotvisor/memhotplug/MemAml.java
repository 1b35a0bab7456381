package io.hotvisor.memhotplug;

import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.acquire;
import static io.hotvisor.vmm.api.acpi.Asl.add;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.createQWordField;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.field;
import static io.hotvisor.vmm.api.acpi.Asl.ifElse;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.increment;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.invoke;
import static io.hotvisor.vmm.api.acpi.Asl.lEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lLess;
import static io.hotvisor.vmm.api.acpi.Asl.local;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.mutex;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.notifyDevice;
import static io.hotvisor.vmm.api.acpi.Asl.operationRegion;
import static io.hotvisor.vmm.api.acpi.Asl.or;
import static io.hotvisor.vmm.api.acpi.Asl.path;
import static io.hotvisor.vmm.api.acpi.Asl.release;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.shiftLeft;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static io.hotvisor.vmm.api.acpi.Asl.subtract;
import static io.hotvisor.vmm.api.acpi.Asl.whileDo;
import static io.hotvisor.vmm.api.acpi.FieldEntry.named;
import static io.hotvisor.vmm.api.acpi.FieldEntry.offset;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.FieldAccess;
import io.hotvisor.vmm.api.acpi.FieldLock;
import io.hotvisor.vmm.api.acpi.FieldUpdate;
import io.hotvisor.vmm.api.acpi.RegionSpace;
import io.hotvisor.vmm.api.acpi.Resources;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory hotplug AML: {@code \_SB.MHPC} holds the register region, the mutex and the methods
 * QEMU's hw/acpi/memory_hotplug.c names (MSCN MTFY MRST MCRS MOST MPXM MEJ0, fields MRBL ... MOSC),
 * and, as in Cloud Hypervisor, one {@code MPxx} device (PNP0C80) per slot.
 */
final class MemAml {
    static final String SCAN_METHOD = "\\_SB.MHPC.MSCN";
    private static final int NOTIFY_DEVICE_CHECK = 1;
    private static final int NOTIFY_EJECT_REQUEST = 3;
    private static final int MAX_WAIT = 0xFFFF;
    /** _STA of a plugged DIMM: present, enabled, shown, functioning. */
    private static final int PRESENT = 0xF;
    /** Byte offsets of a QWordMemory descriptor's minimum, maximum and length. */
    private static final int QWORD_MIN = 14;
    private static final int QWORD_MAX = 22;
    private static final int QWORD_LENGTH = 38;

    private MemAml() {
    }

    static List<Aml> build(GuestAddress registers, int slots) {
        List<Aml> body = new ArrayList<>(List.of(
                name("_HID", eisaId("PNP0A06")),
                name("_UID", string("Memory hotplug resources")),
                name("_CRS", resourceTemplate(Resources.memory32Fixed(true, registers.value(),
                        MemControllerRegisters.LENGTH))),
                mutex("MLCK", 0),
                operationRegion("HPMR", RegionSpace.SYSTEM_MEMORY, integer(registers.value()),
                        integer(MemControllerRegisters.LENGTH)),
                field("HPMR", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                        named("MRBL", 32), named("MRBH", 32), named("MRLL", 32), named("MRLH", 32),
                        named("MRPX", 32)),
                field("HPMR", FieldAccess.BYTE, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                        offset(MemControllerRegisters.FLAGS),
                        named("MES", 1), named("MINS", 1), named("MRMV", 1), named("MEJ", 1)),
                field("HPMR", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                        named("MSEL", 32), named("MOEV", 32), named("MOSC", 32)),
                scanMethod(slots),
                notifyMethod(slots),
                method("MRST", 1, false,
                        store(ZERO, local(0)),
                        acquire(path("MLCK"), MAX_WAIT),
                        store(arg(0), path("MSEL")),
                        ifThen(lEqual(path("MES"), ONE), store(integer(PRESENT), local(0))),
                        release(path("MLCK")),
                        returnValue(local(0))),
                crsMethod(),
                method("MOST", 4, false,
                        acquire(path("MLCK"), MAX_WAIT),
                        store(arg(0), path("MSEL")),
                        store(arg(1), path("MOEV")),
                        store(arg(2), path("MOSC")),
                        release(path("MLCK"))),
                method("MPXM", 1, false,
                        acquire(path("MLCK"), MAX_WAIT),
                        store(arg(0), path("MSEL")),
                        store(path("MRPX"), local(0)),
                        release(path("MLCK")),
                        returnValue(local(0))),
                method("MEJ0", 2, false,
                        acquire(path("MLCK"), MAX_WAIT),
                        store(arg(0), path("MSEL")),
                        store(ONE, path("MEJ")),
                        release(path("MLCK")))));
        for (int slot = 0; slot < slots; slot++) {
            body.add(slotDevice(slot));
        }
        return List.of(device("\\_SB.MHPC", body));
    }

    static String slotName(int slot) {
        return String.format("MP%02X", slot);
    }

    /** MSCN: for each slot, a pending insert becomes a device check, a pending remove an eject request. */
    private static Aml scanMethod(int slots) {
        Aml slot = local(0);
        return method("MSCN", 0, false,
                acquire(path("MLCK"), MAX_WAIT),
                store(ZERO, slot),
                whileDo(lLess(slot, integer(slots)),
                        store(slot, path("MSEL")),
                        ifElse(lEqual(path("MINS"), ONE),
                                List.of(invoke("MTFY", slot, integer(NOTIFY_DEVICE_CHECK)),
                                        store(ONE, path("MINS"))),
                                List.of(ifThen(lEqual(path("MRMV"), ONE),
                                        invoke("MTFY", slot, integer(NOTIFY_EJECT_REQUEST)),
                                        store(ONE, path("MRMV"))))),
                        increment(slot)),
                release(path("MLCK")));
    }

    /** MTFY(slot, event): Notify the slot's device. */
    private static Aml notifyMethod(int slots) {
        List<Aml> body = new ArrayList<>();
        for (int slot = 0; slot < slots; slot++) {
            body.add(ifThen(lEqual(arg(0), integer(slot)), notifyDevice(path(slotName(slot)), arg(1))));
        }
        return method("MTFY", 2, false, body);
    }

    /**
     * MCRS(slot): a QWordMemory over the slot's base and length. The DSDT's integers are 64-bit
     * (revision 2), so the halves are joined directly rather than with QEMU's 32-bit carry dance.
     */
    private static Aml crsMethod() {
        return method("MCRS", 1, true,
                acquire(path("MLCK"), MAX_WAIT),
                store(arg(0), path("MSEL")),
                name("MR64", resourceTemplate(Resources.qwordMemory(Resources.Role.CONSUMER,
                        Resources.Cacheability.CACHEABLE, true, 0, 0xFFFF_FFFF_FFFF_FFFEL))),
                createQWordField(path("MR64"), integer(QWORD_MIN), "MINV"),
                createQWordField(path("MR64"), integer(QWORD_MAX), "MAXV"),
                createQWordField(path("MR64"), integer(QWORD_LENGTH), "LENV"),
                store(or(shiftLeft(path("MRBH"), integer(32)), path("MRBL")), path("MINV")),
                store(or(shiftLeft(path("MRLH"), integer(32)), path("MRLL")), path("LENV")),
                store(subtract(add(path("MINV"), path("LENV")), ONE), path("MAXV")),
                release(path("MLCK")),
                returnValue(path("MR64")));
    }

    private static Aml slotDevice(int slot) {
        Aml uid = integer(slot);
        return device(slotName(slot),
                name("_HID", eisaId("PNP0C80")),
                name("_UID", uid),
                method("_CRS", 0, false, returnValue(invoke("MCRS", uid))),
                method("_STA", 0, false, returnValue(invoke("MRST", uid))),
                method("_PXM", 0, false, returnValue(invoke("MPXM", uid))),
                method("_OST", 3, false, invoke("MOST", uid, arg(0), arg(1), arg(2))),
                method("_EJ0", 1, false, invoke("MEJ0", uid, arg(0))));
    }
}
