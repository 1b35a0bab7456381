package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;

/** The PCI Express memory-mapped configuration table (PCI Firmware 3.2 §4.1.2): one ECAM allocation. */
final class Mcfg {
    static final String SIGNATURE = "MCFG";
    static final int REVISION = 1;
    static final int LENGTH = TableHeader.LENGTH + 8 + 16;
    private static final int SEGMENT = 0;

    private Mcfg() {
    }

    static byte[] build(PciHostBridge bridge) {
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, LENGTH);
        table.putLong(0); // reserved
        table.putLong(bridge.ecamBase());
        table.putShort((short) SEGMENT);
        table.put((byte) bridge.startBus());
        table.put((byte) bridge.endBus());
        table.putInt(0); // reserved
        return TableHeader.finish(table);
    }
}
