package io.hotvisor.vmm.api.acpi;

import java.util.HexFormat;

/**
 * One resource descriptor of a ResourceTemplate (ACPI 6.5 §6.4), made by {@link Resources}. Its
 * layout is the spec's, so AML can patch fields at fixed offsets with CreateDWordField and kin.
 */
public final class ResourceDescriptor {
    private final byte[] bytes;

    ResourceDescriptor(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    /** The descriptor's bytes, tag and length included. */
    public byte[] bytes() {
        return bytes.clone();
    }

    void encodeTo(AmlWriter out) {
        out.writeBytes(bytes);
    }

    @Override
    public String toString() {
        return "ResourceDescriptor[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
