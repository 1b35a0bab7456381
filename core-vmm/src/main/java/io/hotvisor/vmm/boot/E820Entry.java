package io.hotvisor.vmm.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * One region of the e820 memory map, as {@code struct boot_e820_entry} (bootparam.h): u64 addr,
 * u64 size, u32 type, packed.
 */
public record E820Entry(long address, long size, Type type) {
    /** Encoded size in bytes. */
    public static final int SIZE = 20;

    public enum Type {
        RAM(1),
        RESERVED(2),
        ACPI(3),
        NVS(4),
        UNUSABLE(5);

        private final int code;

        Type(int code) {
            this.code = code;
        }

        /** The e820 type number. */
        public int code() {
            return code;
        }

        public static Type fromCode(int code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            throw new IllegalArgumentException("unknown e820 type " + code);
        }
    }

    public E820Entry {
        Objects.requireNonNull(type, "type");
        if (size <= 0) {
            throw new IllegalArgumentException("e820 entry at 0x" + Long.toHexString(address)
                    + " has size " + size);
        }
        if (Long.compareUnsigned(address + size - 1, address) < 0) {
            throw new IllegalArgumentException("e820 entry at 0x" + Long.toHexString(address)
                    + " of 0x" + Long.toHexString(size) + " bytes wraps past 2^64");
        }
    }

    /** First address after the region. */
    public long end() {
        return address + size;
    }

    /** Writes the 20-byte little-endian entry at the buffer's position and advances it. */
    public void encodeTo(ByteBuffer buffer) {
        ByteBuffer le = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        le.putLong(address).putLong(size).putInt(type.code);
        buffer.position(le.position());
    }

    @Override
    public String toString() {
        return String.format("e820 [0x%016x-0x%016x] %s", address, address + size - 1, type);
    }
}
