package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.arch.Layout;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * The Multiple APIC Description Table, revision 5 (ACPI 6.3, ACPI 6.5 §5.2.12).
 *
 * <p>One x2APIC entry per possible vCPU, UID = APIC id = vCPU index: boot vCPUs Enabled, the
 * others Online-Capable and not Enabled (Online-Capable is reserved on an Enabled entry; pitfalls
 * item 2). The in-kernel IOAPIC (id 0, GSI base 0), ISA IRQ 0 overridden to GSI 2 as on PC
 * hardware and in QEMU, and LINT1 as NMI on every processor.
 *
 * <p>PCAT_COMPAT is set: KVM's in-kernel irqchip does include the dual 8259 PICs, so the flag is
 * true, and it tells the OS to mask them before using the IOAPIC (QEMU sets it too).
 */
final class Madt {
    static final String SIGNATURE = "APIC";
    static final int REVISION = 5;
    static final int PCAT_COMPAT = 1;

    static final int TYPE_IO_APIC = 1;
    static final int TYPE_INTERRUPT_SOURCE_OVERRIDE = 2;
    static final int TYPE_LOCAL_X2APIC = 9;
    static final int TYPE_LOCAL_X2APIC_NMI = 0x0A;
    static final int X2APIC_LENGTH = 16;
    static final int ENABLED = 1;
    static final int ONLINE_CAPABLE = 1 << 1;

    private static final int IO_APIC_LENGTH = 12;
    private static final int IO_APIC_ID = 0;
    private static final int INTERRUPT_SOURCE_OVERRIDE_LENGTH = 10;
    private static final int ISA_BUS = 0;
    private static final int PIT_IRQ = 0;
    private static final int PIT_GSI = 2;
    /** MPS INTI flags 0: polarity and trigger conform to the bus, for ISA active high and edge. */
    private static final int CONFORMS_TO_BUS = 0;
    private static final int X2APIC_NMI_LENGTH = 12;
    private static final int ALL_PROCESSORS = 0xFFFF_FFFF;
    private static final int LINT1 = 1;
    private static final int HEADER_LENGTH = TableHeader.LENGTH + 8;

    private Madt() {
    }

    static byte[] build(Set<Integer> bootVcpus, int possibleVcpus, List<byte[]> extraEntries) {
        int length = HEADER_LENGTH + possibleVcpus * X2APIC_LENGTH + IO_APIC_LENGTH
                + INTERRUPT_SOURCE_OVERRIDE_LENGTH + X2APIC_NMI_LENGTH
                + extraEntries.stream().mapToInt(entry -> entry.length).sum();
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, length);
        table.putInt((int) Layout.LAPIC_START);
        table.putInt(PCAT_COMPAT);
        for (int vcpu = 0; vcpu < possibleVcpus; vcpu++) {
            table.put((byte) TYPE_LOCAL_X2APIC).put((byte) X2APIC_LENGTH).putShort((short) 0);
            table.putInt(vcpu); // x2APIC id
            table.putInt(bootVcpus.contains(vcpu) ? ENABLED : ONLINE_CAPABLE);
            table.putInt(vcpu); // ACPI processor UID
        }
        table.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_LENGTH).put((byte) IO_APIC_ID).put((byte) 0);
        table.putInt((int) Layout.IOAPIC_START);
        table.putInt(0); // GSI base
        table.put((byte) TYPE_INTERRUPT_SOURCE_OVERRIDE).put((byte) INTERRUPT_SOURCE_OVERRIDE_LENGTH);
        table.put((byte) ISA_BUS).put((byte) PIT_IRQ).putInt(PIT_GSI).putShort((short) CONFORMS_TO_BUS);
        table.put((byte) TYPE_LOCAL_X2APIC_NMI).put((byte) X2APIC_NMI_LENGTH).putShort((short) CONFORMS_TO_BUS);
        table.putInt(ALL_PROCESSORS).put((byte) LINT1).put(new byte[3]);
        extraEntries.forEach(table::put);
        return TableHeader.finish(table);
    }
}
