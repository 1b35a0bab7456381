package io.hotvisor.vmm.api.acpi;

import java.util.List;

/** An opcode followed by a PkgLength and the contents it covers (Scope, Device, Method, If, Buffer, ...). */
record PkgTerm(int opcode, List<Aml> contents) implements Aml {
    PkgTerm {
        contents = List.copyOf(contents);
    }

    @Override
    public void encodeTo(AmlWriter out) {
        OpTerm.writeOpcode(opcode, out);
        out.writeWithPkgLength(body -> body.writeAll(contents));
    }
}
