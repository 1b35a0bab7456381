package io.hotvisor.vmm.api.acpi;

import java.util.HexFormat;

/** Bytes that are part of a term but not terms themselves: flag bytes, counts, buffer contents. */
final class RawBytes implements Aml {
    private final byte[] bytes;

    RawBytes(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    static RawBytes ofByte(int value) {
        return new RawBytes(new byte[] {(byte) value});
    }

    @Override
    public void encodeTo(AmlWriter out) {
        out.writeBytes(bytes);
    }

    @Override
    public String toString() {
        return "RawBytes[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
