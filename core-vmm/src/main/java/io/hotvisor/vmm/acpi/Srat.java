package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/**
 * The System Resource Affinity Table, revision 3 (ACPI 6.5 §5.2.16), one proximity domain: every
 * RAM range enabled, the memory hotplug region enabled and hot-pluggable (so Linux sizes its memory
 * map for it and can keep it movable), and an enabled x2APIC affinity entry per possible vCPU
 * (as QEMU does: a processor's affinity holds whether or not it is plugged yet).
 */
final class Srat {
    static final String SIGNATURE = "SRAT";
    static final int REVISION = 3;
    static final int TYPE_MEMORY_AFFINITY = 1;
    static final int TYPE_X2APIC_AFFINITY = 2;
    static final int MEMORY_AFFINITY_LENGTH = 40;
    static final int X2APIC_AFFINITY_LENGTH = 24;
    static final int MEMORY_ENABLED = 1;
    static final int MEMORY_HOT_PLUGGABLE = 1 << 1;
    static final int PROCESSOR_ENABLED = 1;

    private static final int PROXIMITY_DOMAIN = 0;
    /** The first reserved field must be 1 for backward compatibility. */
    private static final int TABLE_REVISION_COMPAT = 1;
    private static final int HEADER_LENGTH = TableHeader.LENGTH + 12;

    private Srat() {
    }

    static byte[] build(int possibleVcpus, List<AddressRange> ram, Optional<AddressRange> hotplugRegion,
                        List<byte[]> extraEntries) {
        int memoryEntries = ram.size() + (hotplugRegion.isPresent() ? 1 : 0);
        int length = HEADER_LENGTH + memoryEntries * MEMORY_AFFINITY_LENGTH + possibleVcpus * X2APIC_AFFINITY_LENGTH
                + extraEntries.stream().mapToInt(entry -> entry.length).sum();
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, length);
        table.putInt(TABLE_REVISION_COMPAT).putLong(0);
        ram.forEach(range -> putMemoryAffinity(table, range, MEMORY_ENABLED));
        hotplugRegion.ifPresent(region -> putMemoryAffinity(table, region, MEMORY_ENABLED | MEMORY_HOT_PLUGGABLE));
        for (int vcpu = 0; vcpu < possibleVcpus; vcpu++) {
            table.put((byte) TYPE_X2APIC_AFFINITY).put((byte) X2APIC_AFFINITY_LENGTH).putShort((short) 0);
            table.putInt(PROXIMITY_DOMAIN).putInt(vcpu).putInt(PROCESSOR_ENABLED);
            table.putInt(0).putInt(0); // clock domain, reserved
        }
        extraEntries.forEach(table::put);
        return TableHeader.finish(table);
    }

    private static void putMemoryAffinity(ByteBuffer table, AddressRange range, int flags) {
        table.put((byte) TYPE_MEMORY_AFFINITY).put((byte) MEMORY_AFFINITY_LENGTH);
        table.putInt(PROXIMITY_DOMAIN).putShort((short) 0);
        table.putLong(range.base()).putLong(range.size()); // each as low and high dwords, which is little-endian u64
        table.putInt(0).putInt(flags).putLong(0);
    }
}
