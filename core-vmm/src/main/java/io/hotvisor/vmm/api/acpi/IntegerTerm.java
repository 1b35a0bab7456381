package io.hotvisor.vmm.api.acpi;

/**
 * An integer constant in its smallest encoding: Zero, One and Ones opcodes, else the narrowest of
 * the Byte, Word, DWord and QWord prefixes. The value is unsigned 64-bit (a negative long is a large
 * value); Ones is all 64 bits, right for tables of revision 2 and later.
 */
record IntegerTerm(long value) implements Aml {
    private static final int ZERO_OP = 0x00;
    private static final int ONE_OP = 0x01;
    private static final int ONES_OP = 0xFF;
    private static final int BYTE_PREFIX = 0x0A;
    private static final int WORD_PREFIX = 0x0B;
    private static final int DWORD_PREFIX = 0x0C;
    private static final int QWORD_PREFIX = 0x0E;

    @Override
    public void encodeTo(AmlWriter out) {
        if (value == 0) {
            out.writeByte(ZERO_OP);
        } else if (value == 1) {
            out.writeByte(ONE_OP);
        } else if (value == -1L) {
            out.writeByte(ONES_OP);
        } else if (Long.compareUnsigned(value, 0xFF) <= 0) {
            out.writeByte(BYTE_PREFIX).writeByte((int) value);
        } else if (Long.compareUnsigned(value, 0xFFFF) <= 0) {
            out.writeByte(WORD_PREFIX).writeWord((int) value);
        } else if (Long.compareUnsigned(value, 0xFFFF_FFFFL) <= 0) {
            out.writeByte(DWORD_PREFIX).writeDWord(value);
        } else {
            out.writeByte(QWORD_PREFIX).writeQWord(value);
        }
    }
}
