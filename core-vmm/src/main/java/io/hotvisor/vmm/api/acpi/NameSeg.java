package io.hotvisor.vmm.api.acpi;

import java.nio.charset.StandardCharsets;

/**
 * One four-character AML name segment. Shorter names are padded with '_' as ASL does
 * ({@code _S5} is {@code _S5_}); the first character is A-Z or '_', the others A-Z, 0-9 or '_'.
 */
public record NameSeg(String value) {
    public static final int LENGTH = 4;

    public NameSeg {
        if (value == null || value.isEmpty() || value.length() > LENGTH) {
            throw new IllegalArgumentException("AML name segment '" + value + "' must be 1 to 4 characters long");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean valid = c == '_' || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!valid) {
                throw new IllegalArgumentException("AML name segment '" + value
                        + "' is invalid: it starts with A-Z or '_' and continues with A-Z, 0-9 or '_'");
            }
        }
        value = (value + "___").substring(0, LENGTH);
    }

    public static NameSeg of(String value) {
        return new NameSeg(value);
    }

    void encodeTo(AmlWriter out) {
        out.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return value;
    }
}
