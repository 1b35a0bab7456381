package io.hotvisor.vmm.api.acpi;

/** One element of a Field list: a named field, an unnamed gap, or ASL's {@code Offset(n)}. */
public sealed interface FieldEntry {
    /** A field unit of {@code bits} bits named {@code name}. */
    static FieldEntry named(String name, int bits) {
        return new Named(NameSeg.of(name), bits);
    }

    /** An unnamed gap of {@code bits} bits (ASL: {@code , bits}). */
    static FieldEntry reserved(int bits) {
        return new Reserved(bits);
    }

    /** Skips forward to byte {@code byteOffset} of the region (ASL: {@code Offset (n)}). */
    static FieldEntry offset(long byteOffset) {
        return new Offset(byteOffset);
    }

    record Named(NameSeg name, int bits) implements FieldEntry {
        public Named {
            requirePositive(bits, "field " + name);
        }
    }

    record Reserved(int bits) implements FieldEntry {
        public Reserved {
            requirePositive(bits, "reserved field gap");
        }
    }

    record Offset(long byteOffset) implements FieldEntry {
        public Offset {
            if (byteOffset < 0) {
                throw new IllegalArgumentException("field Offset (" + byteOffset + ") is negative");
            }
        }
    }

    private static void requirePositive(int bits, String what) {
        if (bits <= 0) {
            throw new IllegalArgumentException(what + " must be at least one bit wide, not " + bits);
        }
    }
}
