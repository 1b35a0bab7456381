package io.hotvisor.vmm.api.acpi;

/**
 * The AML PkgLength encoding (ACPI 6.5 §20.2.4): one lead byte whose top two bits count the
 * following bytes; a 1-byte form holds 0-63 in six bits, longer forms hold the low nibble in the
 * lead byte and eight more bits per following byte, up to 2^28 - 1.
 */
final class PkgLength {
    static final int MAX_VALUE = (1 << 28) - 1;

    private PkgLength() {
    }

    /** The PkgLength of an object whose body (after the PkgLength) is {@code bodyLength} bytes: it counts itself too. */
    static byte[] ofPackage(int bodyLength) {
        int width = widthFor(bodyLength, "AML object body of " + bodyLength + " bytes");
        return encode(bodyLength + width, width);
    }

    /**
     * A field element's length in bits: the same encoding, not counting itself. The width is
     * still chosen as if it did, as iasl does (63 bits take two bytes), so our bytes match iasl's.
     */
    static byte[] ofFieldBits(long bits) {
        int width = widthFor(bits, "field element of " + bits + " bits");
        return encode((int) bits, width);
    }

    private static int widthFor(long length, String what) {
        for (int width = 1; width <= 4; width++) {
            if (length <= maxValue(width) - width) {
                return width;
            }
        }
        throw new IllegalArgumentException(what + " is too long: the largest PkgLength is " + MAX_VALUE
                + ", its own four bytes included");
    }

    private static int maxValue(int width) {
        return width == 1 ? 0x3F : (1 << (4 + 8 * (width - 1))) - 1;
    }

    private static byte[] encode(int value, int width) {
        byte[] encoded = new byte[width];
        if (width == 1) {
            encoded[0] = (byte) value;
            return encoded;
        }
        encoded[0] = (byte) (((width - 1) << 6) | (value & 0x0F));
        for (int i = 1; i < width; i++) {
            encoded[i] = (byte) (value >>> (4 + 8 * (i - 1)));
        }
        return encoded;
    }
}
