package io.hotvisor.vmm.acpi;

import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.acquire;
import static io.hotvisor.vmm.api.acpi.Asl.and;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.buffer;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.field;
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
import static io.hotvisor.vmm.api.acpi.Asl.path;
import static io.hotvisor.vmm.api.acpi.Asl.release;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.scope;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static io.hotvisor.vmm.api.acpi.Asl.whileDo;
import static io.hotvisor.vmm.api.acpi.FieldEntry.named;
import static io.hotvisor.vmm.api.acpi.FieldEntry.offset;

import io.hotvisor.vmm.api.acpi.Aml;
import io.hotvisor.vmm.api.acpi.FieldAccess;
import io.hotvisor.vmm.api.acpi.FieldLock;
import io.hotvisor.vmm.api.acpi.FieldUpdate;
import io.hotvisor.vmm.api.acpi.RegionSpace;
import io.hotvisor.vmm.api.acpi.Resources;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * What capability bundles will contribute, shaped like the GED and CPU hotplug AML of DESIGN.md
 * §5 (QEMU's PRES/CPUS split, pitfalls item 12), so the table tests load and run realistic
 * contributed AML in acpiexec. Test data, not the bundles' real AML.
 */
final class SampleCapabilityAml {
    static final long GED_REGISTERS = 0xF000_0000L;
    static final long CPU_REGISTERS = 0xF000_1000L;
    static final int GED_GSI = 5;

    private SampleCapabilityAml() {
    }

    static List<Aml> forVcpus(int possibleVcpus) {
        List<Aml> processors = new ArrayList<>();
        for (int vcpu = 0; vcpu < possibleVcpus; vcpu++) {
            processors.add(device(String.format("C%03X", vcpu),
                    name("_HID", string("ACPI0007")),
                    name("_UID", integer(vcpu)),
                    method("_STA", 0, false, returnValue(invoke("CSTA", integer(vcpu)))),
                    name("_MAT", buffer(x2apicEntry(vcpu)))));
        }
        List<Aml> cpus = new ArrayList<>(List.of(
                name("_HID", string("ACPI0010")),
                name("_CID", eisaId("PNP0A05")),
                name("_STA", integer(0x0F)),
                method("CSTA", 1, true,
                        acquire(path("\\_SB.PRES.CPLK"), 0xFFFF),
                        store(arg(0), path("\\_SB.PRES.CSEL")),
                        store(ZERO, local(0)),
                        ifThen(lEqual(path("\\_SB.PRES.CPEN"), ONE), store(integer(0x0F), local(0))),
                        release(path("\\_SB.PRES.CPLK")),
                        returnValue(local(0))),
                method("CSCN", 0, true,
                        store(ZERO, local(0)),
                        whileDo(lLess(local(0), integer(possibleVcpus)),
                                ifThen(lEqual(invoke("CSTA", local(0)), integer(0x0F)),
                                        notifyDevice(path("\\_SB.PWRB"), integer(0x80))),
                                increment(local(0))))));
        cpus.addAll(processors);
        return List.of(scope("\\_SB",
                device("GED",
                        name("_HID", string("ACPI0013")),
                        name("_UID", ZERO),
                        method("_STA", 0, false, returnValue(integer(0x0F))),
                        name("_CRS", resourceTemplate(Resources.interrupt(Resources.Role.CONSUMER,
                                Resources.Trigger.EDGE, Resources.Polarity.ACTIVE_HIGH, Resources.Sharing.EXCLUSIVE,
                                GED_GSI))),
                        operationRegion("EREG", RegionSpace.SYSTEM_MEMORY, integer(GED_REGISTERS), integer(4)),
                        field("EREG", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                                named("ESEL", 32)),
                        method("_EVT", 1, true,
                                store(path("ESEL"), local(0)),
                                ifThen(and(local(0), ONE), invoke("\\_SB.CPUS.CSCN")))),
                device("PRES",
                        name("_HID", eisaId("PNP0A06")),
                        name("_UID", string("CPU Hotplug resources")),
                        name("_STA", integer(0x0F)),
                        mutex("CPLK", 0),
                        operationRegion("PRST", RegionSpace.SYSTEM_MEMORY, integer(CPU_REGISTERS), integer(12)),
                        field("PRST", FieldAccess.BYTE, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                                offset(4), named("CPEN", 1), named("CINS", 1), named("CRMV", 1), named("CEJ0", 1),
                                offset(5), named("CCMD", 8)),
                        field("PRST", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                                named("CSEL", 32), offset(8), named("CDAT", 32))),
                device("CPUS", cpus)));
    }

    /** A MADT x2APIC entry for {@code _MAT}: Enabled even for a vCPU not plugged yet, as Linux wants (hotplug-register-maps.md). */
    private static byte[] x2apicEntry(int apicId) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 9).put((byte) 16).putShort((short) 0)
                .putInt(apicId).putInt(1).putInt(apicId).array();
    }

    /** An interrupt source override, ISA IRQ 9 to GSI 9, level-triggered active high (as for an SCI). */
    static byte[] madtEntry() {
        return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 9).putInt(9).putShort((short) 0x000D).array();
    }

    /** A memory affinity entry: 1 GiB at 64 GiB, proximity 0, enabled. */
    static byte[] sratEntry() {
        return ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 1).put((byte) 40).putInt(0).putShort((short) 0)
                .putLong(0x10_0000_0000L).putLong(0x4000_0000L).putInt(0).putInt(1).putLong(0).array();
    }
}
