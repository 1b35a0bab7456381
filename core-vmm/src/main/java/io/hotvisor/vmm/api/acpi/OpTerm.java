package io.hotvisor.vmm.api.acpi;

import java.util.List;

/** An opcode followed by its operands; opcodes above 0xFF are ExtOpPrefix (0x5B) opcodes. */
record OpTerm(int opcode, List<Aml> operands) implements Aml {
    OpTerm {
        operands = List.copyOf(operands);
    }

    @Override
    public void encodeTo(AmlWriter out) {
        writeOpcode(opcode, out);
        out.writeAll(operands);
    }

    static void writeOpcode(int opcode, AmlWriter out) {
        if (opcode > 0xFF) {
            out.writeByte(opcode >>> 8);
        }
        out.writeByte(opcode);
    }
}
