package io.hotvisor.vmm.api.acpi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Factory methods for AML terms, named after the ASL constructs they encode (ACPI 6.5 §19-20).
 * ASL keywords that are Java keywords get a verb: {@code ifThen}, {@code ifElse}, {@code whileDo},
 * {@code returnValue}, {@code breakLoop}. Operators whose result can go to a target come with and
 * without one ({@code add(a, b)} is an expression, {@code add(a, b, Local0)} stores too).
 *
 * <pre>{@code
 * scope("\\_SB",
 *     device("COM1",
 *         name("_HID", eisaId("PNP0501")),
 *         name("_CRS", resourceTemplate(Resources.io(0x3F8, 0x3F8, 0, 8)))))
 * }</pre>
 */
public final class Asl {
    static final int MAX_METHOD_ARGS = 7;
    private static final int MAX_LOCALS = 8;
    private static final int MAX_SYNC_LEVEL = 15;
    private static final int MAX_PACKAGE_ELEMENTS = 0xFF;

    private static final int NAME_OP = 0x08;
    private static final int SCOPE_OP = 0x10;
    private static final int BUFFER_OP = 0x11;
    private static final int PACKAGE_OP = 0x12;
    private static final int VAR_PACKAGE_OP = 0x13;
    private static final int METHOD_OP = 0x14;
    private static final int LOCAL0_OP = 0x60;
    private static final int ARG0_OP = 0x68;
    private static final int STORE_OP = 0x70;
    private static final int ADD_OP = 0x72;
    private static final int SUBTRACT_OP = 0x74;
    private static final int INCREMENT_OP = 0x75;
    private static final int DECREMENT_OP = 0x76;
    private static final int MULTIPLY_OP = 0x77;
    private static final int SHIFT_LEFT_OP = 0x79;
    private static final int SHIFT_RIGHT_OP = 0x7A;
    private static final int AND_OP = 0x7B;
    private static final int OR_OP = 0x7D;
    private static final int XOR_OP = 0x7F;
    private static final int NOT_OP = 0x80;
    private static final int DEREF_OF_OP = 0x83;
    private static final int NOTIFY_OP = 0x86;
    private static final int SIZE_OF_OP = 0x87;
    private static final int INDEX_OP = 0x88;
    private static final int CREATE_DWORD_FIELD_OP = 0x8A;
    private static final int CREATE_WORD_FIELD_OP = 0x8B;
    private static final int CREATE_BYTE_FIELD_OP = 0x8C;
    private static final int CREATE_QWORD_FIELD_OP = 0x8F;
    private static final int LAND_OP = 0x90;
    private static final int LOR_OP = 0x91;
    private static final int LNOT_OP = 0x92;
    private static final int LEQUAL_OP = 0x93;
    private static final int LGREATER_OP = 0x94;
    private static final int LLESS_OP = 0x95;
    private static final int IF_OP = 0xA0;
    private static final int ELSE_OP = 0xA1;
    private static final int WHILE_OP = 0xA2;
    private static final int RETURN_OP = 0xA4;
    private static final int BREAK_OP = 0xA5;
    private static final int MUTEX_OP = 0x5B01;
    private static final int SLEEP_OP = 0x5B22;
    private static final int ACQUIRE_OP = 0x5B23;
    private static final int RELEASE_OP = 0x5B27;
    private static final int OPERATION_REGION_OP = 0x5B80;
    private static final int FIELD_OP = 0x5B81;
    private static final int DEVICE_OP = 0x5B82;

    private static final int END_TAG = 0x79;
    private static final Pattern EISA_ID = Pattern.compile("[A-Z]{3}[0-9A-F]{4}");
    private static final Pattern UUID = Pattern.compile(
            "\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

    public static final Aml ZERO = integer(0);
    public static final Aml ONE = integer(1);
    /** All 64 bits set. */
    public static final Aml ONES = integer(-1L);
    /** Leaves the innermost While. */
    public static final Aml BREAK = new OpTerm(BREAK_OP, List.of());
    /** An omitted target: the result is only returned. */
    private static final Aml NO_TARGET = RawBytes.ofByte(0x00);

    private Asl() {
    }

    // Names and data

    public static NamePath path(String path) {
        return NamePath.of(path);
    }

    /** An integer constant in its smallest encoding; the long is read as unsigned 64-bit. */
    public static Aml integer(long value) {
        return new IntegerTerm(value);
    }

    public static Aml string(String value) {
        return new StringTerm(value);
    }

    public static Aml buffer(byte... data) {
        return new PkgTerm(BUFFER_OP, List.of(integer(data.length), new RawBytes(data)));
    }

    /** ASL {@code Package () {elements}}; more than 255 elements become a VarPackage, as iasl does. */
    public static Aml pkg(Aml... elements) {
        return pkg(List.of(elements));
    }

    public static Aml pkg(List<? extends Aml> elements) {
        List<Aml> contents = new ArrayList<>();
        boolean small = elements.size() <= MAX_PACKAGE_ELEMENTS;
        contents.add(small ? RawBytes.ofByte(elements.size()) : integer(elements.size()));
        contents.addAll(elements);
        return new PkgTerm(small ? PACKAGE_OP : VAR_PACKAGE_OP, contents);
    }

    /** ASL {@code EISAID ("PNP0A08")}: the compressed 32-bit EISA id, an integer in its smallest encoding as iasl emits it. */
    public static Aml eisaId(String id) {
        if (id == null || !EISA_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("EISA id '" + id + "' must be three letters A-Z and four hex digits");
        }
        int value = ((id.charAt(0) - 0x40) << 26) | ((id.charAt(1) - 0x40) << 21) | ((id.charAt(2) - 0x40) << 16)
                | Integer.parseInt(id.substring(3), 16);
        return integer(Integer.toUnsignedLong(Integer.reverseBytes(value)));
    }

    /** ASL {@code ToUUID ("...")}: a 16-byte buffer, the first three groups little-endian. */
    public static Aml toUuid(String uuid) {
        if (uuid == null || !UUID.matcher(uuid).matches()) {
            throw new IllegalArgumentException("UUID '" + uuid + "' must look like 33DB4D5B-1FF7-401C-9657-7441C03DD766");
        }
        String hex = uuid.replace("-", "").toLowerCase(Locale.ROOT);
        byte[] bytes = new byte[16];
        int[] sourceOrder = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i = 0; i < bytes.length; i++) {
            int at = 2 * sourceOrder[i];
            bytes[i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
        }
        return buffer(bytes);
    }

    /** ASL {@code ResourceTemplate () {...}}: a Buffer of the descriptors, an end tag and a zero checksum. */
    public static Aml resourceTemplate(ResourceDescriptor... descriptors) {
        AmlWriter out = new AmlWriter();
        Arrays.stream(descriptors).forEach(descriptor -> descriptor.encodeTo(out));
        return buffer(out.writeByte(END_TAG).writeByte(0).toByteArray());
    }

    /** Local0 to Local7. */
    public static Aml local(int index) {
        requireIndex(index, MAX_LOCALS, "Local");
        return new OpTerm(LOCAL0_OP + index, List.of());
    }

    /** Arg0 to Arg6. */
    public static Aml arg(int index) {
        requireIndex(index, MAX_METHOD_ARGS, "Arg");
        return new OpTerm(ARG0_OP + index, List.of());
    }

    // Namespace

    public static Aml scope(String path, Aml... body) {
        return scope(path, List.of(body));
    }

    public static Aml scope(String path, List<? extends Aml> body) {
        return namedBlock(SCOPE_OP, path, body);
    }

    public static Aml device(String path, Aml... body) {
        return device(path, List.of(body));
    }

    public static Aml device(String path, List<? extends Aml> body) {
        return namedBlock(DEVICE_OP, path, body);
    }

    public static Aml name(String path, Aml value) {
        return new OpTerm(NAME_OP, List.of(NamePath.of(path), value));
    }

    /** ASL {@code Method (path, argCount, Serialized|NotSerialized) {body}}, sync level 0. */
    public static Aml method(String path, int argCount, boolean serialized, Aml... body) {
        return method(path, argCount, serialized, List.of(body));
    }

    public static Aml method(String path, int argCount, boolean serialized, List<? extends Aml> body) {
        requireIndex(argCount, MAX_METHOD_ARGS + 1, "method argument count ");
        List<Aml> contents = new ArrayList<>();
        contents.add(NamePath.of(path));
        contents.add(RawBytes.ofByte(argCount | (serialized ? 1 << 3 : 0)));
        contents.addAll(body);
        return new PkgTerm(METHOD_OP, contents);
    }

    /** Calls the method at {@code path}. */
    public static Aml invoke(String path, Aml... arguments) {
        return new Invocation(NamePath.of(path), List.of(arguments));
    }

    public static Aml operationRegion(String name, RegionSpace space, Aml offset, Aml length) {
        return new OpTerm(OPERATION_REGION_OP,
                List.of(NamePath.of(name), RawBytes.ofByte(space.code()), offset, length));
    }

    /**
     * ASL {@code Field (region, access, lock, update) {entries}}. Offsets become the reserved gaps
     * iasl emits for them; an offset behind the current position is an error, as in iasl.
     */
    public static Aml field(String region, FieldAccess access, FieldLock lock, FieldUpdate update,
                            FieldEntry... entries) {
        AmlWriter list = new AmlWriter()
                .writeByte(access.code() | (lock.ordinal() << 4) | (update.ordinal() << 5));
        long bitPosition = 0;
        for (FieldEntry entry : entries) {
            long bits;
            if (entry instanceof FieldEntry.Named named) {
                named.name().encodeTo(list);
                bits = named.bits();
            } else if (entry instanceof FieldEntry.Reserved reserved) {
                list.writeByte(0x00);
                bits = reserved.bits();
            } else {
                long target = ((FieldEntry.Offset) entry).byteOffset() * 8;
                if (target < bitPosition) {
                    throw new IllegalArgumentException(String.format(
                            "Field of %s: Offset (0x%x) is behind the fields before it (bit %d)",
                            region, target / 8, bitPosition));
                }
                // Even an Offset that does not move is a (zero-length) gap in iasl's output.
                bits = target - bitPosition;
                list.writeByte(0x00);
            }
            list.writeBytes(PkgLength.ofFieldBits(bits));
            bitPosition += bits;
        }
        return new PkgTerm(FIELD_OP, List.of(NamePath.of(region), new RawBytes(list.toByteArray())));
    }

    /** ASL {@code Mutex (name, syncLevel)}. */
    public static Aml mutex(String name, int syncLevel) {
        requireIndex(syncLevel, MAX_SYNC_LEVEL + 1, "mutex sync level ");
        return new OpTerm(MUTEX_OP, List.of(NamePath.of(name), RawBytes.ofByte(syncLevel)));
    }

    public static Aml createByteField(Aml buffer, Aml byteIndex, String name) {
        return new OpTerm(CREATE_BYTE_FIELD_OP, List.of(buffer, byteIndex, NamePath.of(name)));
    }

    public static Aml createWordField(Aml buffer, Aml byteIndex, String name) {
        return new OpTerm(CREATE_WORD_FIELD_OP, List.of(buffer, byteIndex, NamePath.of(name)));
    }

    public static Aml createDWordField(Aml buffer, Aml byteIndex, String name) {
        return new OpTerm(CREATE_DWORD_FIELD_OP, List.of(buffer, byteIndex, NamePath.of(name)));
    }

    public static Aml createQWordField(Aml buffer, Aml byteIndex, String name) {
        return new OpTerm(CREATE_QWORD_FIELD_OP, List.of(buffer, byteIndex, NamePath.of(name)));
    }

    // Statements

    public static Aml returnValue(Aml value) {
        return new OpTerm(RETURN_OP, List.of(value));
    }

    public static Aml ifThen(Aml predicate, Aml... body) {
        return ifThen(predicate, List.of(body));
    }

    public static Aml ifThen(Aml predicate, List<? extends Aml> body) {
        return new PkgTerm(IF_OP, prepend(predicate, body));
    }

    /** If followed by Else; an {@code otherwise} that is one {@code ifThen} or {@code ifElse} makes an ElseIf. */
    public static Aml ifElse(Aml predicate, List<? extends Aml> then, List<? extends Aml> otherwise) {
        return new Sequence(List.of(ifThen(predicate, then), new PkgTerm(ELSE_OP, List.copyOf(otherwise))));
    }

    public static Aml whileDo(Aml predicate, Aml... body) {
        return new PkgTerm(WHILE_OP, prepend(predicate, List.of(body)));
    }

    public static Aml store(Aml value, Aml target) {
        return new OpTerm(STORE_OP, List.of(value, target));
    }

    /** ASL {@code Notify (object, value)}; not named notify, which Object.notify() would shadow. */
    public static Aml notifyDevice(Aml object, Aml value) {
        return new OpTerm(NOTIFY_OP, List.of(object, value));
    }

    /** ASL {@code Acquire (mutex, timeout)}; a timeout of 0xFFFF waits forever. */
    public static Aml acquire(Aml mutex, int timeoutMillis) {
        requireIndex(timeoutMillis, 0x10000, "Acquire timeout ");
        return new OpTerm(ACQUIRE_OP, List.of(mutex, new RawBytes(new AmlWriter().writeWord(timeoutMillis).toByteArray())));
    }

    public static Aml release(Aml mutex) {
        return new OpTerm(RELEASE_OP, List.of(mutex));
    }

    public static Aml sleep(Aml milliseconds) {
        return new OpTerm(SLEEP_OP, List.of(milliseconds));
    }

    public static Aml increment(Aml target) {
        return new OpTerm(INCREMENT_OP, List.of(target));
    }

    public static Aml decrement(Aml target) {
        return new OpTerm(DECREMENT_OP, List.of(target));
    }

    // Expressions

    public static Aml add(Aml left, Aml right) {
        return add(left, right, NO_TARGET);
    }

    public static Aml add(Aml left, Aml right, Aml target) {
        return new OpTerm(ADD_OP, List.of(left, right, target));
    }

    public static Aml subtract(Aml left, Aml right) {
        return subtract(left, right, NO_TARGET);
    }

    public static Aml subtract(Aml left, Aml right, Aml target) {
        return new OpTerm(SUBTRACT_OP, List.of(left, right, target));
    }

    public static Aml multiply(Aml left, Aml right) {
        return multiply(left, right, NO_TARGET);
    }

    public static Aml multiply(Aml left, Aml right, Aml target) {
        return new OpTerm(MULTIPLY_OP, List.of(left, right, target));
    }

    public static Aml and(Aml left, Aml right) {
        return and(left, right, NO_TARGET);
    }

    public static Aml and(Aml left, Aml right, Aml target) {
        return new OpTerm(AND_OP, List.of(left, right, target));
    }

    public static Aml or(Aml left, Aml right) {
        return or(left, right, NO_TARGET);
    }

    public static Aml or(Aml left, Aml right, Aml target) {
        return new OpTerm(OR_OP, List.of(left, right, target));
    }

    public static Aml xor(Aml left, Aml right) {
        return xor(left, right, NO_TARGET);
    }

    public static Aml xor(Aml left, Aml right, Aml target) {
        return new OpTerm(XOR_OP, List.of(left, right, target));
    }

    public static Aml shiftLeft(Aml value, Aml count) {
        return shiftLeft(value, count, NO_TARGET);
    }

    public static Aml shiftLeft(Aml value, Aml count, Aml target) {
        return new OpTerm(SHIFT_LEFT_OP, List.of(value, count, target));
    }

    public static Aml shiftRight(Aml value, Aml count) {
        return shiftRight(value, count, NO_TARGET);
    }

    public static Aml shiftRight(Aml value, Aml count, Aml target) {
        return new OpTerm(SHIFT_RIGHT_OP, List.of(value, count, target));
    }

    /** Bitwise complement. */
    public static Aml not(Aml value) {
        return not(value, NO_TARGET);
    }

    public static Aml not(Aml value, Aml target) {
        return new OpTerm(NOT_OP, List.of(value, target));
    }

    public static Aml lEqual(Aml left, Aml right) {
        return new OpTerm(LEQUAL_OP, List.of(left, right));
    }

    public static Aml lLess(Aml left, Aml right) {
        return new OpTerm(LLESS_OP, List.of(left, right));
    }

    public static Aml lGreater(Aml left, Aml right) {
        return new OpTerm(LGREATER_OP, List.of(left, right));
    }

    /** LNotEqual, encoded as iasl does: LNot (LEqual (...)). */
    public static Aml lNotEqual(Aml left, Aml right) {
        return lNot(lEqual(left, right));
    }

    /** LLessEqual, encoded as LNot (LGreater (...)). */
    public static Aml lLessEqual(Aml left, Aml right) {
        return lNot(lGreater(left, right));
    }

    /** LGreaterEqual, encoded as LNot (LLess (...)). */
    public static Aml lGreaterEqual(Aml left, Aml right) {
        return lNot(lLess(left, right));
    }

    public static Aml lNot(Aml value) {
        return new OpTerm(LNOT_OP, List.of(value));
    }

    public static Aml lAnd(Aml left, Aml right) {
        return new OpTerm(LAND_OP, List.of(left, right));
    }

    public static Aml lOr(Aml left, Aml right) {
        return new OpTerm(LOR_OP, List.of(left, right));
    }

    /** A reference to element {@code index} of a package, buffer or string. */
    public static Aml index(Aml source, Aml index) {
        return index(source, index, NO_TARGET);
    }

    public static Aml index(Aml source, Aml index, Aml target) {
        return new OpTerm(INDEX_OP, List.of(source, index, target));
    }

    public static Aml derefOf(Aml reference) {
        return new OpTerm(DEREF_OF_OP, List.of(reference));
    }

    public static Aml sizeOf(Aml object) {
        return new OpTerm(SIZE_OF_OP, List.of(object));
    }

    private static Aml namedBlock(int opcode, String path, List<? extends Aml> body) {
        return new PkgTerm(opcode, prepend(NamePath.of(path), body));
    }

    private static List<Aml> prepend(Aml first, List<? extends Aml> rest) {
        List<Aml> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static void requireIndex(int value, int limit, String what) {
        if (value < 0 || value >= limit) {
            throw new IllegalArgumentException(what + value + " is out of range 0-" + (limit - 1));
        }
    }
}
