package io.hotvisor.cpuhotplug;

import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.acquire;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.buffer;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.field;
import static io.hotvisor.vmm.api.acpi.Asl.ifElse;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.invoke;
import static io.hotvisor.vmm.api.acpi.Asl.lEqual;
import static io.hotvisor.vmm.api.acpi.Asl.local;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.mutex;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.notifyDevice;
import static io.hotvisor.vmm.api.acpi.Asl.operationRegion;
import static io.hotvisor.vmm.api.acpi.Asl.release;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static io.hotvisor.vmm.api.acpi.Asl.whileDo;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.FieldAccess;
import io.hotvisor.vmm.api.acpi.FieldEntry;
import io.hotvisor.vmm.api.acpi.FieldLock;
import io.hotvisor.vmm.api.acpi.FieldUpdate;
import io.hotvisor.vmm.api.acpi.NamePath;
import io.hotvisor.vmm.api.acpi.RegionSpace;
import io.hotvisor.vmm.api.acpi.Resources;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU hotplug AML, QEMU's split (pitfalls 12): {@code \_SB.PRES} holds the register region
 * and the mutex; {@code \_SB.CPUS} (ACPI0010) holds CSTA, CSCN, CTFY, CEJ0, COST and one
 * processor device {@code Cxxx} per possible CPU with _STA, _MAT, _EJ0 and _OST.
 */
final class CpuAml {
    static final String SCAN_METHOD = "\\_SB.CPUS.CSCN";
    private static final String RES = "\\_SB.PRES.";
    private static final int NOTIFY_DEVICE_CHECK = 1;
    private static final int NOTIFY_EJECT_REQUEST = 3;
    private static final int MAX_WAIT = 0xFFFF;
    private static final int X2APIC_TYPE = 9;
    private static final int X2APIC_LENGTH = 16;
    private static final int MADT_ENABLED = 1;

    private CpuAml() {
    }

    static List<Aml> build(GuestAddress registers, int possibleCpus) {
        return List.of(resources(registers), cpus(possibleCpus));
    }

    static String processorName(int cpu) {
        return String.format("C%03X", cpu);
    }

    private static Aml res(String field) {
        return NamePath.of(RES + field);
    }

    private static Aml resources(GuestAddress registers) {
        return device("\\_SB.PRES",
                name("_HID", eisaId("PNP0A06")),
                name("_UID", string("CPU Hotplug resources")),
                name("_CRS", resourceTemplate(Resources.memory32Fixed(true, registers.value(),
                        CpuControllerRegisters.LENGTH))),
                mutex("CPLK", 0),
                operationRegion("PRST", RegionSpace.SYSTEM_MEMORY, integer(registers.value()),
                        integer(CpuControllerRegisters.LENGTH)),
                field("PRST", FieldAccess.BYTE, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                        FieldEntry.offset(CpuControllerRegisters.FLAGS),
                        FieldEntry.named("CPEN", 1),
                        FieldEntry.named("CINS", 1),
                        FieldEntry.named("CRMV", 1),
                        FieldEntry.named("CEJ0", 1),
                        FieldEntry.reserved(4),
                        FieldEntry.named("CCMD", 8)),
                field("PRST", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                        FieldEntry.named("CSEL", 32),
                        FieldEntry.reserved(32),
                        FieldEntry.named("CDAT", 32)));
    }

    private static Aml cpus(int possibleCpus) {
        List<Aml> body = new ArrayList<>();
        body.add(name("_HID", string("ACPI0010")));
        body.add(name("_CID", eisaId("PNP0A05")));
        body.add(notifyMethod(possibleCpus));
        body.add(method("CSTA", 1, true,
                acquire(res("CPLK"), MAX_WAIT),
                store(arg(0), res("CSEL")),
                store(ZERO, local(0)),
                ifThen(lEqual(res("CPEN"), ONE), store(integer(0xF), local(0))),
                release(res("CPLK")),
                returnValue(local(0))));
        body.add(method("CEJ0", 1, true,
                acquire(res("CPLK"), MAX_WAIT),
                store(arg(0), res("CSEL")),
                store(ONE, res("CEJ0")),
                release(res("CPLK"))));
        body.add(scanMethod());
        body.add(method("COST", 4, true,
                acquire(res("CPLK"), MAX_WAIT),
                store(arg(0), res("CSEL")),
                store(integer(CpuControllerRegisters.COMMAND_OST_EVENT), res("CCMD")),
                store(arg(1), res("CDAT")),
                store(integer(CpuControllerRegisters.COMMAND_OST_STATUS), res("CCMD")),
                store(arg(2), res("CDAT")),
                release(res("CPLK"))));
        for (int cpu = 0; cpu < possibleCpus; cpu++) {
            body.add(processor(cpu));
        }
        return device("\\_SB.CPUS", body);
    }

    /** CTFY(uid, event): Notify the processor device whose _UID is uid. */
    private static Aml notifyMethod(int possibleCpus) {
        List<Aml> body = new ArrayList<>();
        for (int cpu = 0; cpu < possibleCpus; cpu++) {
            body.add(ifThen(lEqual(arg(0), integer(cpu)), notifyDevice(NamePath.of(processorName(cpu)), arg(1))));
        }
        return method("CTFY", 2, false, body);
    }

    /** CSCN: notify every CPU with a pending insert (device check) or remove (eject request) event. */
    private static Aml scanMethod() {
        Aml hasEvent = local(0);
        return method("CSCN", 0, true,
                acquire(res("CPLK"), MAX_WAIT),
                store(ONE, hasEvent),
                whileDo(lEqual(hasEvent, ONE),
                        store(ZERO, hasEvent),
                        store(integer(CpuControllerRegisters.COMMAND_NEXT_WITH_EVENT), res("CCMD")),
                        ifElse(lEqual(res("CINS"), ONE),
                                List.of(invoke("CTFY", res("CDAT"), integer(NOTIFY_DEVICE_CHECK)),
                                        store(ONE, res("CINS")),
                                        store(ONE, hasEvent)),
                                List.of(ifThen(lEqual(res("CRMV"), ONE),
                                        invoke("CTFY", res("CDAT"), integer(NOTIFY_EJECT_REQUEST)),
                                        store(ONE, res("CRMV")),
                                        store(ONE, hasEvent))))),
                release(res("CPLK")));
    }

    private static Aml processor(int cpu) {
        Aml uid = integer(cpu);
        return device(processorName(cpu),
                name("_HID", string("ACPI0007")),
                name("_UID", uid),
                method("_STA", 0, true, returnValue(invoke("CSTA", uid))),
                name("_MAT", buffer(x2apicEntry(cpu))),
                method("_EJ0", 1, false, invoke("CEJ0", uid)),
                method("_OST", 3, true, invoke("COST", uid, arg(0), arg(1), arg(2))));
    }

    /** The MADT x2APIC entry for _MAT: always Enabled, as Linux expects for hot-added CPUs. */
    static byte[] x2apicEntry(int cpu) {
        return ByteBuffer.allocate(X2APIC_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) X2APIC_TYPE).put((byte) X2APIC_LENGTH).putShort((short) 0)
                .putInt(cpu).putInt(MADT_ENABLED).putInt(cpu).array();
    }
}
