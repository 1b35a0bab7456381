package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;

/** A Generic Address Structure (ACPI 6.5 §5.2.3.2), as the FADT uses it for its registers. */
record GenericAddress(int spaceId, int bitWidth, int bitOffset, int accessSize, long address) {
    static final int LENGTH = 12;
    private static final int SYSTEM_IO = 1;

    /** A register of {@code bitWidth} bits at an I/O port, accessed in one access of its own width. */
    static GenericAddress systemIo(int port, int bitWidth) {
        int accessSize = switch (bitWidth) {
            case 8 -> 1;
            case 16 -> 2;
            case 32 -> 3;
            case 64 -> 4;
            default -> throw new IllegalArgumentException("no access size for a " + bitWidth + "-bit register");
        };
        return new GenericAddress(SYSTEM_IO, bitWidth, 0, accessSize, port);
    }

    void putTo(ByteBuffer buffer) {
        buffer.put((byte) spaceId).put((byte) bitWidth).put((byte) bitOffset).put((byte) accessSize).putLong(address);
    }
}
