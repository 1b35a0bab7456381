package io.hotvisor.vmm.api.acpi;

import java.nio.charset.StandardCharsets;

/** An AML string: ASCII characters 0x01-0x7F, NUL-terminated. */
record StringTerm(String value) implements Aml {
    private static final int STRING_PREFIX = 0x0D;

    StringTerm {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0 || c > 0x7F) {
                throw new IllegalArgumentException(String.format(
                        "AML strings hold ASCII 0x01-0x7F; character %d of \"%s\" is U+%04X", i, value, (int) c));
            }
        }
    }

    @Override
    public void encodeTo(AmlWriter out) {
        out.writeByte(STRING_PREFIX).writeBytes(value.getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    }
}
