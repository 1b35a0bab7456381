package io.hotvisor.vmm.api.acpi;

/** Factories of the resource descriptors that go into {@link Asl#resourceTemplate}. */
public final class Resources {
    private static final int IRQ_NO_FLAGS_TAG = 0x22;
    private static final int IO_PORT_TAG = 0x47;
    private static final int MEMORY32_FIXED_TAG = 0x86;
    private static final int DWORD_ADDRESS_SPACE_TAG = 0x87;
    private static final int WORD_ADDRESS_SPACE_TAG = 0x88;
    private static final int EXTENDED_INTERRUPT_TAG = 0x89;
    private static final int QWORD_ADDRESS_SPACE_TAG = 0x8A;

    private static final int DECODE_16 = 0x01;
    private static final int MEMORY_RESOURCE = 0;
    private static final int IO_RESOURCE = 1;
    private static final int BUS_NUMBER_RESOURCE = 2;
    private static final int MIN_FIXED = 1 << 2;
    private static final int MAX_FIXED = 1 << 3;
    private static final int IO_ENTIRE_RANGE = 3;
    private static final int READ_WRITE = 1;

    private Resources() {
    }

    /** Whether the device uses the resource or hands it to its children (a bridge's windows). */
    public enum Role {
        CONSUMER,
        PRODUCER;

        int bit() {
            return this == CONSUMER ? 1 : 0;
        }
    }

    public enum Trigger {
        LEVEL,
        EDGE
    }

    public enum Polarity {
        ACTIVE_HIGH,
        ACTIVE_LOW
    }

    public enum Sharing {
        EXCLUSIVE,
        SHARED
    }

    public enum Cacheability {
        NON_CACHEABLE,
        CACHEABLE,
        WRITE_COMBINING,
        PREFETCHABLE
    }

    /** ASL {@code IO (Decode16, min, max, alignment, length)}. */
    public static ResourceDescriptor io(int min, int max, int alignment, int length) {
        requireRange(min, 0xFFFF, "IO minimum");
        requireRange(max, 0xFFFF, "IO maximum");
        requireRange(alignment, 0xFF, "IO alignment");
        requireRange(length, 0xFF, "IO length");
        return new ResourceDescriptor(new AmlWriter().writeByte(IO_PORT_TAG).writeByte(DECODE_16)
                .writeWord(min).writeWord(max).writeByte(alignment).writeByte(length).toByteArray());
    }

    /** ASL {@code IRQNoFlags () {irqs}}: ISA IRQs 0-15, edge-triggered and active high. */
    public static ResourceDescriptor irqNoFlags(int... irqs) {
        if (irqs.length == 0) {
            throw new IllegalArgumentException("IRQNoFlags needs at least one IRQ");
        }
        int mask = 0;
        for (int irq : irqs) {
            requireRange(irq, 15, "IRQNoFlags IRQ");
            mask |= 1 << irq;
        }
        return new ResourceDescriptor(new AmlWriter().writeByte(IRQ_NO_FLAGS_TAG).writeWord(mask).toByteArray());
    }

    /** ASL {@code Interrupt (role, trigger, polarity, sharing) {gsis}}: the extended interrupt descriptor. */
    public static ResourceDescriptor interrupt(Role role, Trigger trigger, Polarity polarity, Sharing sharing,
                                               long... gsis) {
        if (gsis.length == 0 || gsis.length > 0xFF) {
            throw new IllegalArgumentException("Interrupt lists 1 to 255 interrupts, not " + gsis.length);
        }
        int flags = role.bit() | (trigger == Trigger.EDGE ? 1 << 1 : 0)
                | (polarity == Polarity.ACTIVE_LOW ? 1 << 2 : 0) | (sharing == Sharing.SHARED ? 1 << 3 : 0);
        AmlWriter out = new AmlWriter().writeByte(EXTENDED_INTERRUPT_TAG).writeWord(2 + 4 * gsis.length)
                .writeByte(flags).writeByte(gsis.length);
        for (long gsi : gsis) {
            requireRange(gsi, 0xFFFF_FFFFL, "interrupt number");
            out.writeDWord(gsi);
        }
        return new ResourceDescriptor(out.toByteArray());
    }

    /** ASL {@code Memory32Fixed (ReadWrite|ReadOnly, base, length)}. */
    public static ResourceDescriptor memory32Fixed(boolean readWrite, long base, long length) {
        requireRange(base, 0xFFFF_FFFFL, "Memory32Fixed base");
        requireRange(length, 0xFFFF_FFFFL, "Memory32Fixed length");
        return new ResourceDescriptor(new AmlWriter().writeByte(MEMORY32_FIXED_TAG).writeWord(9)
                .writeByte(readWrite ? READ_WRITE : 0).writeDWord(base).writeDWord(length).toByteArray());
    }

    /** ASL {@code WordBusNumber (role, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, length)}. */
    public static ResourceDescriptor wordBusNumber(Role role, int min, int max) {
        return addressSpace("WordBusNumber", AddressWidth.WORD, BUS_NUMBER_RESOURCE, role, 0, min, max);
    }

    /** ASL {@code DWordIO (role, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, length)}. */
    public static ResourceDescriptor dwordIo(Role role, long min, long max) {
        return addressSpace("DWordIO", AddressWidth.DWORD, IO_RESOURCE, role, IO_ENTIRE_RANGE, min, max);
    }

    /** ASL {@code DWordMemory (role, PosDecode, MinFixed, MaxFixed, cacheability, ReadWrite|ReadOnly, 0, min, max, 0, length)}. */
    public static ResourceDescriptor dwordMemory(Role role, Cacheability cacheability, boolean readWrite,
                                                 long min, long max) {
        return addressSpace("DWordMemory", AddressWidth.DWORD, MEMORY_RESOURCE, role,
                memoryFlags(cacheability, readWrite), min, max);
    }

    /** ASL {@code QWordMemory (...)}, as {@link #dwordMemory} with 64-bit addresses. */
    public static ResourceDescriptor qwordMemory(Role role, Cacheability cacheability, boolean readWrite,
                                                 long min, long max) {
        return addressSpace("QWordMemory", AddressWidth.QWORD, MEMORY_RESOURCE, role,
                memoryFlags(cacheability, readWrite), min, max);
    }

    private enum AddressWidth {
        WORD(WORD_ADDRESS_SPACE_TAG, 2),
        DWORD(DWORD_ADDRESS_SPACE_TAG, 4),
        QWORD(QWORD_ADDRESS_SPACE_TAG, 8);

        final int tag;
        final int bytes;

        AddressWidth(int tag, int bytes) {
            this.tag = tag;
            this.bytes = bytes;
        }

        long maxValue() {
            return bytes == 8 ? -1L : (1L << (8 * bytes)) - 1;
        }
    }

    private static int memoryFlags(Cacheability cacheability, boolean readWrite) {
        return (cacheability.ordinal() << 1) | (readWrite ? READ_WRITE : 0);
    }

    /**
     * The address space descriptors (ACPI 6.5 §6.4.3.5): a fixed range [min, max] with zero
     * granularity and translation, positive decode.
     */
    private static ResourceDescriptor addressSpace(String what, AddressWidth width, int resourceType, Role role,
                                                   int typeFlags, long min, long max) {
        requireRange(min, width.maxValue(), what + " minimum");
        requireRange(max, width.maxValue(), what + " maximum");
        if (Long.compareUnsigned(min, max) > 0) {
            throw new IllegalArgumentException(String.format("%s range [0x%x, 0x%x] is empty", what, min, max));
        }
        long length = max - min + 1;
        if (length == 0 || Long.compareUnsigned(length, width.maxValue()) > 0) {
            throw new IllegalArgumentException(String.format("%s range [0x%x, 0x%x] is longer than its length field holds",
                    what, min, max));
        }
        AmlWriter out = new AmlWriter().writeByte(width.tag).writeWord(3 + 5 * width.bytes)
                .writeByte(resourceType).writeByte(role.bit() | MIN_FIXED | MAX_FIXED).writeByte(typeFlags);
        for (long field : new long[] {0, min, max, 0, length}) {
            for (int i = 0; i < width.bytes; i++) {
                out.writeByte((int) (field >>> (8 * i)));
            }
        }
        return new ResourceDescriptor(out.toByteArray());
    }

    private static void requireRange(long value, long max, String what) {
        if (Long.compareUnsigned(value, max) > 0) {
            throw new IllegalArgumentException(String.format("%s 0x%x is out of range 0x0-0x%x", what, value, max));
        }
    }
}
