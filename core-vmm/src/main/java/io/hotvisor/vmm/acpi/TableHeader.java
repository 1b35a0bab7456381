package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The 36-byte header every system description table starts with (ACPI 6.5 §5.2.6), and checksums. */
final class TableHeader {
    static final int LENGTH = 36;
    static final String OEM_ID = "HOTVSR";
    static final String OEM_TABLE_ID = "HVMACHIN";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "HVSR";
    static final int CREATOR_REVISION = 1;
    private static final int CHECKSUM_OFFSET = 9;

    private TableHeader() {
    }

    /** A little-endian buffer of the table's full length, header filled in, positioned at the body. */
    static ByteBuffer begin(String signature, int revision, int length) {
        ByteBuffer table = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        putAscii(table, signature, 4);
        table.putInt(length);
        table.put((byte) revision);
        table.put((byte) 0); // checksum, set by finish
        putAscii(table, OEM_ID, 6);
        putAscii(table, OEM_TABLE_ID, 8);
        table.putInt(OEM_REVISION);
        putAscii(table, CREATOR_ID, 4);
        table.putInt(CREATOR_REVISION);
        return table;
    }

    /** Sets the checksum so that all bytes sum to zero; the body must fill the buffer exactly. */
    static byte[] finish(ByteBuffer table) {
        if (table.hasRemaining()) {
            throw new IllegalStateException("table body is " + table.remaining() + " bytes short of its length");
        }
        byte[] bytes = table.array();
        bytes[CHECKSUM_OFFSET] = checksum(bytes, 0, bytes.length);
        return bytes;
    }

    /** The byte that, stored in a zero checksum field within [from, to), makes the range sum to zero. */
    static byte checksum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    static void putAscii(ByteBuffer buffer, String text, int width) {
        if (text.length() != width) {
            throw new IllegalArgumentException("'" + text + "' must be exactly " + width + " characters");
        }
        buffer.put(text.getBytes(StandardCharsets.US_ASCII));
    }
}
