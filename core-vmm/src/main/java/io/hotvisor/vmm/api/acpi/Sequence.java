package io.hotvisor.vmm.api.acpi;

import java.util.List;

/** Terms that go together, encoded one after the other (If followed by its Else). */
record Sequence(List<Aml> terms) implements Aml {
    Sequence {
        terms = List.copyOf(terms);
    }

    @Override
    public void encodeTo(AmlWriter out) {
        out.writeAll(terms);
    }
}
