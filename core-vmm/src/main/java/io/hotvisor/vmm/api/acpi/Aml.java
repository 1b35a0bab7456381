package io.hotvisor.vmm.api.acpi;

/** A piece of AML (a term, a name, a data object) that knows its own byte encoding. */
@FunctionalInterface
public interface Aml {
    void encodeTo(AmlWriter out);

    default byte[] encode() {
        AmlWriter out = new AmlWriter();
        encodeTo(out);
        return out.toByteArray();
    }
}
