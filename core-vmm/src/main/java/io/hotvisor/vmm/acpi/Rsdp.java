package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Root System Description Pointer, ACPI 2.0+ form (ACPI 6.5 §5.2.5.3): points at the XSDT
 * only (no RSDT). Two checksums: the first 20 bytes (the ACPI 1.0 part) and all 36.
 */
final class Rsdp {
    static final String SIGNATURE = "RSD PTR ";
    static final int LENGTH = 36;
    static final int REVISION = 2;
    static final int V1_LENGTH = 20;
    static final int XSDT_ADDRESS_OFFSET = 24;
    private static final int CHECKSUM_OFFSET = 8;
    private static final int EXTENDED_CHECKSUM_OFFSET = 32;

    private Rsdp() {
    }

    static byte[] build(long xsdtAddress) {
        ByteBuffer rsdp = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        TableHeader.putAscii(rsdp, SIGNATURE, 8);
        rsdp.put((byte) 0); // checksum
        TableHeader.putAscii(rsdp, TableHeader.OEM_ID, 6);
        rsdp.put((byte) REVISION);
        rsdp.putInt(0); // RSDT address: none, the XSDT covers ACPI 2.0+ guests
        rsdp.putInt(LENGTH);
        rsdp.putLong(xsdtAddress);
        byte[] bytes = rsdp.array(); // extended checksum and 3 reserved bytes stay zero for now
        bytes[CHECKSUM_OFFSET] = TableHeader.checksum(bytes, 0, V1_LENGTH);
        bytes[EXTENDED_CHECKSUM_OFFSET] = TableHeader.checksum(bytes, 0, LENGTH);
        return bytes;
    }
}
