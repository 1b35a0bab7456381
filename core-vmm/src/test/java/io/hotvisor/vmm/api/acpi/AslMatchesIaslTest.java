package io.hotvisor.vmm.api.acpi;

import static io.hotvisor.vmm.api.acpi.Asl.BREAK;
import static io.hotvisor.vmm.api.acpi.Asl.ONE;
import static io.hotvisor.vmm.api.acpi.Asl.ONES;
import static io.hotvisor.vmm.api.acpi.Asl.ZERO;
import static io.hotvisor.vmm.api.acpi.Asl.acquire;
import static io.hotvisor.vmm.api.acpi.Asl.add;
import static io.hotvisor.vmm.api.acpi.Asl.and;
import static io.hotvisor.vmm.api.acpi.Asl.arg;
import static io.hotvisor.vmm.api.acpi.Asl.buffer;
import static io.hotvisor.vmm.api.acpi.Asl.createByteField;
import static io.hotvisor.vmm.api.acpi.Asl.createDWordField;
import static io.hotvisor.vmm.api.acpi.Asl.createQWordField;
import static io.hotvisor.vmm.api.acpi.Asl.createWordField;
import static io.hotvisor.vmm.api.acpi.Asl.decrement;
import static io.hotvisor.vmm.api.acpi.Asl.derefOf;
import static io.hotvisor.vmm.api.acpi.Asl.device;
import static io.hotvisor.vmm.api.acpi.Asl.eisaId;
import static io.hotvisor.vmm.api.acpi.Asl.field;
import static io.hotvisor.vmm.api.acpi.Asl.ifElse;
import static io.hotvisor.vmm.api.acpi.Asl.ifThen;
import static io.hotvisor.vmm.api.acpi.Asl.increment;
import static io.hotvisor.vmm.api.acpi.Asl.index;
import static io.hotvisor.vmm.api.acpi.Asl.integer;
import static io.hotvisor.vmm.api.acpi.Asl.invoke;
import static io.hotvisor.vmm.api.acpi.Asl.lAnd;
import static io.hotvisor.vmm.api.acpi.Asl.lEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lGreater;
import static io.hotvisor.vmm.api.acpi.Asl.lGreaterEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lLess;
import static io.hotvisor.vmm.api.acpi.Asl.lLessEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lNot;
import static io.hotvisor.vmm.api.acpi.Asl.lNotEqual;
import static io.hotvisor.vmm.api.acpi.Asl.lOr;
import static io.hotvisor.vmm.api.acpi.Asl.local;
import static io.hotvisor.vmm.api.acpi.Asl.method;
import static io.hotvisor.vmm.api.acpi.Asl.multiply;
import static io.hotvisor.vmm.api.acpi.Asl.mutex;
import static io.hotvisor.vmm.api.acpi.Asl.name;
import static io.hotvisor.vmm.api.acpi.Asl.not;
import static io.hotvisor.vmm.api.acpi.Asl.notifyDevice;
import static io.hotvisor.vmm.api.acpi.Asl.operationRegion;
import static io.hotvisor.vmm.api.acpi.Asl.or;
import static io.hotvisor.vmm.api.acpi.Asl.path;
import static io.hotvisor.vmm.api.acpi.Asl.pkg;
import static io.hotvisor.vmm.api.acpi.Asl.release;
import static io.hotvisor.vmm.api.acpi.Asl.resourceTemplate;
import static io.hotvisor.vmm.api.acpi.Asl.returnValue;
import static io.hotvisor.vmm.api.acpi.Asl.scope;
import static io.hotvisor.vmm.api.acpi.Asl.shiftLeft;
import static io.hotvisor.vmm.api.acpi.Asl.shiftRight;
import static io.hotvisor.vmm.api.acpi.Asl.sizeOf;
import static io.hotvisor.vmm.api.acpi.Asl.sleep;
import static io.hotvisor.vmm.api.acpi.Asl.store;
import static io.hotvisor.vmm.api.acpi.Asl.string;
import static io.hotvisor.vmm.api.acpi.Asl.subtract;
import static io.hotvisor.vmm.api.acpi.Asl.toUuid;
import static io.hotvisor.vmm.api.acpi.Asl.whileDo;
import static io.hotvisor.vmm.api.acpi.Asl.xor;
import static io.hotvisor.vmm.api.acpi.FieldEntry.named;
import static io.hotvisor.vmm.api.acpi.FieldEntry.offset;
import static io.hotvisor.vmm.api.acpi.FieldEntry.reserved;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.CACHEABLE;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.NON_CACHEABLE;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.PREFETCHABLE;
import static io.hotvisor.vmm.api.acpi.Resources.Cacheability.WRITE_COMBINING;
import static io.hotvisor.vmm.api.acpi.Resources.Polarity.ACTIVE_HIGH;
import static io.hotvisor.vmm.api.acpi.Resources.Polarity.ACTIVE_LOW;
import static io.hotvisor.vmm.api.acpi.Resources.Role.CONSUMER;
import static io.hotvisor.vmm.api.acpi.Resources.Role.PRODUCER;
import static io.hotvisor.vmm.api.acpi.Resources.Sharing.EXCLUSIVE;
import static io.hotvisor.vmm.api.acpi.Resources.Sharing.SHARED;
import static io.hotvisor.vmm.api.acpi.Resources.Trigger.EDGE;
import static io.hotvisor.vmm.api.acpi.Resources.Trigger.LEVEL;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case is ASL text and the same content built with {@link Asl}; iasl 2020 (no optimisation,
 * pitfalls item 14) must produce exactly our bytes. Where our smallest integer encoding differs
 * from iasl's literal handling under -oa, the ASL spells Zero/One/Ones as iasl would optimise them.
 */
class AslMatchesIaslTest {
    private static final String TEST_METHOD = "TEST";
    private static final int TEST_METHOD_ARGS = 7;

    @TempDir
    Path workDir;

    /** ASL at DefinitionBlock level: the whole table body must match. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("definitionBlockCases")
    void definitionBlockContentEncodesLikeIasl(String title, String asl, List<Aml> ours) {
        byte[] expected = Acpica.compileAml(workDir, asl);

        assertSameAml(encodeAll(ours), expected);
    }

    /**
     * Statements inside {@code Method (TEST, 7)} after some declarations they refer to: the method
     * (everything after the declarations) must match.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("statementCases")
    void statementsEncodeLikeIasl(String title, String declarations, String statements, List<Aml> ours) {
        byte[] declarationsOnly = declarations.isEmpty() ? new byte[0]
                : Acpica.compileAml(workDir.resolve("declarations"), declarations);
        byte[] all = Acpica.compileAml(workDir.resolve("all"), declarations
                + "\nMethod (" + TEST_METHOD + ", " + TEST_METHOD_ARGS + ", NotSerialized)\n{\n" + statements + "\n}\n");
        byte[] expected = Arrays.copyOfRange(all, declarationsOnly.length, all.length);

        assertSameAml(method(TEST_METHOD, TEST_METHOD_ARGS, false, ours).encode(), expected);
    }

    static Stream<Arguments> definitionBlockCases() {
        return Stream.of(
                block("Zero", "Name (INT0, Zero)", name("INT0", integer(0))),
                block("One", "Name (INT1, One)", name("INT1", integer(1))),
                block("Ones is all 64 bits", "Name (INTF, Ones)", name("INTF", integer(0xFFFF_FFFF_FFFF_FFFFL))),
                block("Ones constant", "Name (INTF, Ones)", name("INTF", ONES)),
                block("byte 2", "Name (INTB, 0x02)", name("INTB", integer(2))),
                block("byte 0xFF", "Name (INTB, 0xFF)", name("INTB", integer(0xFF))),
                block("word 0x100", "Name (INTW, 0x0100)", name("INTW", integer(0x100))),
                block("word 0xFFFF", "Name (INTW, 0xFFFF)", name("INTW", integer(0xFFFF))),
                block("dword 0x10000", "Name (INTD, 0x00010000)", name("INTD", integer(0x1_0000))),
                block("dword 0xFFFFFFFF", "Name (INTD, 0xFFFFFFFF)", name("INTD", integer(0xFFFF_FFFFL))),
                block("qword 0x100000000", "Name (INTQ, 0x0000000100000000)", name("INTQ", integer(0x1_0000_0000L))),
                block("qword with the top bit set", "Name (INTQ, 0x8000000000000000)",
                        name("INTQ", integer(0x8000_0000_0000_0000L))),
                block("empty string", "Name (STR0, \"\")", name("STR0", string(""))),
                block("string", "Name (STR1, \"Hotvisor COM1\")", name("STR1", string("Hotvisor COM1"))),
                block("buffer of three", "Name (BUF3, Buffer (0x03) {0x01, 0x02, 0xFF})",
                        name("BUF3", buffer((byte) 1, (byte) 2, (byte) 0xFF))),
                block("buffer of one", "Name (BUF1, Buffer (One) {0x07})", name("BUF1", buffer((byte) 7))),
                block("empty buffer", "Name (BUF0, Buffer (Zero) {})", name("BUF0", buffer())),
                block("nested package", "Name (PKG0, Package () {Zero, One, 0x05, \"s\", Package () {0x02}})",
                        name("PKG0", pkg(ZERO, ONE, integer(5), string("s"), pkg(integer(2))))),
                block("empty package", "Name (PKG0, Package () {})", name("PKG0", pkg())),
                block("_S5_ package", "Name (_S5, Package () {0x05, Zero})", name("_S5", pkg(integer(5), ZERO))),
                block("VarPackage of 256 elements", "Name (VPKG, Package () {" + IntStream.range(0, 256)
                                .mapToObj(i -> String.format("0x%02X", 2 + i % 250)).collect(Collectors.joining(", ")) + "})",
                        name("VPKG", pkg(IntStream.range(0, 256).mapToObj(i -> integer(2 + i % 250)).toList()))),
                block("EISAID", "Name (_HID, EisaId (\"PNP0A08\"))", name("_HID", eisaId("PNP0A08"))),
                block("EISAID of a small product number", "Name (_HID, EisaId (\"PNP0000\"))",
                        name("_HID", eisaId("PNP0000"))),
                block("ToUUID", "Name (UUID, ToUUID (\"33DB4D5B-1FF7-401C-9657-7441C03DD766\"))",
                        name("UUID", toUuid("33DB4D5B-1FF7-401C-9657-7441C03DD766"))),
                block("scope of the root", "Scope (\\) { Name (ROOT, One) }", scope("\\", name("ROOT", ONE))),
                block("dual and multi name paths",
                        "Scope (\\_SB) { Device (PCI0) { Name (_ADR, Zero) } }\n"
                                + "Name (\\_SB.XYZ, One)\nName (\\_SB.PCI0.ABC, 0x02)",
                        scope("\\_SB", device("PCI0", name("_ADR", ZERO))),
                        name("\\_SB.XYZ", ONE), name("\\_SB.PCI0.ABC", integer(2))),
                block("parent prefixes",
                        // TOP at both levels: the bytes are the same whichever one ^^ reaches.
                        "Name (TOP, One)\nDevice (DEV0) { Name (TOP, 0x02)\nDevice (DEV1) { Name (_ADR, Zero)\n"
                                + "Method (GET, 0) { Return (^^TOP) } } }",
                        name("TOP", ONE), device("DEV0", name("TOP", integer(2)), device("DEV1", name("_ADR", ZERO),
                                method("GET", 0, false, returnValue(path("^^TOP")))))),
                block("device with _HID, _UID and _CRS",
                        "Device (COM1) { Name (_HID, EisaId (\"PNP0501\"))\nName (_UID, Zero)\n"
                                + "Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)\n"
                                + "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) {4} }) }",
                        device("COM1", name("_HID", eisaId("PNP0501")), name("_UID", ZERO),
                                name("_CRS", resourceTemplate(Resources.io(0x3F8, 0x3F8, 0, 8),
                                        Resources.interrupt(CONSUMER, EDGE, ACTIVE_HIGH, EXCLUSIVE, 4))))),
                block("method without arguments", "Method (MTH0, 0, NotSerialized) { Return (Zero) }",
                        method("MTH0", 0, false, returnValue(ZERO))),
                block("serialized method with arguments", "Method (MTH3, 3, Serialized) { Return (Arg2) }",
                        method("MTH3", 3, true, returnValue(arg(2)))),
                block("operation regions",
                        "OperationRegion (MEM0, SystemMemory, 0xF0001000, 0x0C)\n"
                                + "OperationRegion (IO00, SystemIO, 0x0600, One)\n"
                                + "OperationRegion (PCI0, PCI_Config, Zero, 0x0100)",
                        operationRegion("MEM0", RegionSpace.SYSTEM_MEMORY, integer(0xF000_1000L), integer(12)),
                        operationRegion("IO00", RegionSpace.SYSTEM_IO, integer(0x600), ONE),
                        operationRegion("PCI0", RegionSpace.PCI_CONFIG, ZERO, integer(0x100))),
                block("field with offsets and gaps",
                        "OperationRegion (PRST, SystemIO, 0x0CD8, 0x0C)\n"
                                + "Field (PRST, ByteAcc, NoLock, WriteAsZeros) { Offset (0x04), CPEN, 1, CINS, 1, , 2, "
                                + "Offset (0x05), CCMD, 8 }",
                        operationRegion("PRST", RegionSpace.SYSTEM_IO, integer(0xCD8), integer(12)),
                        field("PRST", FieldAccess.BYTE, FieldLock.NO_LOCK, FieldUpdate.WRITE_AS_ZEROS,
                                offset(4), named("CPEN", 1), named("CINS", 1), reserved(2), offset(5),
                                named("CCMD", 8))),
                block("field access types, lock and update rules",
                        "OperationRegion (REG0, SystemMemory, 0x1000, 0x40)\n"
                                + "Field (REG0, AnyAcc, NoLock, Preserve) { FA00, 8 }\n"
                                + "Field (REG0, WordAcc, Lock, WriteAsOnes) { Offset (0x02), FW00, 16 }\n"
                                + "Field (REG0, DWordAcc, NoLock, Preserve) { Offset (0x04), FD00, 32, Offset (0x08) }\n"
                                + "Field (REG0, QWordAcc, Lock, WriteAsZeros) { Offset (0x08), FQ00, 64 }",
                        operationRegion("REG0", RegionSpace.SYSTEM_MEMORY, integer(0x1000), integer(0x40)),
                        field("REG0", FieldAccess.ANY, FieldLock.NO_LOCK, FieldUpdate.PRESERVE, named("FA00", 8)),
                        field("REG0", FieldAccess.WORD, FieldLock.LOCK, FieldUpdate.WRITE_AS_ONES,
                                offset(2), named("FW00", 16)),
                        field("REG0", FieldAccess.DWORD, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                                offset(4), named("FD00", 32), offset(8)),
                        field("REG0", FieldAccess.QWORD, FieldLock.LOCK, FieldUpdate.WRITE_AS_ZEROS,
                                offset(8), named("FQ00", 64))),
                block("field element lengths around the PkgLength boundaries",
                        "OperationRegion (REG1, SystemMemory, 0x10000, 0x10000)\n"
                                + "Field (REG1, AnyAcc, NoLock, Preserve) { F063, 63, F064, 64, F4K0, 4095, F4K1, 4096, "
                                + ", 65536 }",
                        operationRegion("REG1", RegionSpace.SYSTEM_MEMORY, integer(0x10000), integer(0x10000)),
                        field("REG1", FieldAccess.ANY, FieldLock.NO_LOCK, FieldUpdate.PRESERVE, named("F063", 63),
                                named("F064", 64), named("F4K0", 4095), named("F4K1", 4096), reserved(65536))),
                block("mutexes", "Mutex (MTX0, 0)\nMutex (MTX1, 15)", mutex("MTX0", 0), mutex("MTX1", 15)),
                block("IRQNoFlags", "Name (RT00, ResourceTemplate () { IRQNoFlags () {3, 4, 8} })",
                        name("RT00", resourceTemplate(Resources.irqNoFlags(3, 4, 8)))),
                block("Interrupt, level active-low shared, several GSIs",
                        "Name (RT01, ResourceTemplate () { Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, ) "
                                + "{5, 6, 0x00001234} })",
                        name("RT01", resourceTemplate(Resources.interrupt(CONSUMER, LEVEL, ACTIVE_LOW, SHARED, 5, 6, 0x1234)))),
                block("Interrupt produced",
                        "Name (RT02, ResourceTemplate () { Interrupt (ResourceProducer, Edge, ActiveHigh, Exclusive, ,, ) {9} })",
                        name("RT02", resourceTemplate(Resources.interrupt(PRODUCER, EDGE, ACTIVE_HIGH, EXCLUSIVE, 9)))),
                block("IO and Memory32Fixed",
                        "Name (RT03, ResourceTemplate () { IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)\n"
                                + "Memory32Fixed (ReadWrite, 0xE0000000, 0x00100000)\n"
                                + "Memory32Fixed (ReadOnly, 0xFED00000, 0x00000400) })",
                        name("RT03", resourceTemplate(Resources.io(0xCF8, 0xCF8, 1, 8),
                                Resources.memory32Fixed(true, 0xE000_0000L, 0x10_0000),
                                Resources.memory32Fixed(false, 0xFED0_0000L, 0x400)))),
                block("WordBusNumber and DWordIO",
                        "Name (RT04, ResourceTemplate () {\n"
                                + "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x0000, 0x0000, 0x0001,,,)\n"
                                + "WordBusNumber (ResourceConsumer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0001, 0x00FF, 0x0000, 0x00FF,,,)\n"
                                + "DWordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x00000000, 0x00000000, "
                                + "0x00000CF7, 0x00000000, 0x00000CF8,,, , TypeStatic, DenseTranslation)\n"
                                + "DWordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x00000000, 0x00000D00, "
                                + "0x0000FFFF, 0x00000000, 0x0000F300,,, , TypeStatic, DenseTranslation) })",
                        name("RT04", resourceTemplate(Resources.wordBusNumber(PRODUCER, 0, 0),
                                Resources.wordBusNumber(CONSUMER, 1, 0xFF),
                                Resources.dwordIo(PRODUCER, 0, 0xCF7), Resources.dwordIo(PRODUCER, 0xD00, 0xFFFF)))),
                block("DWordMemory of every cacheability",
                        "Name (RT05, ResourceTemplate () {\n"
                                + dwordMemoryAsl("NonCacheable", "ReadWrite") + dwordMemoryAsl("Cacheable", "ReadOnly")
                                + dwordMemoryAsl("WriteCombining", "ReadWrite") + dwordMemoryAsl("Prefetchable", "ReadWrite")
                                + "})",
                        name("RT05", resourceTemplate(
                                Resources.dwordMemory(PRODUCER, NON_CACHEABLE, true, 0xC000_0000L, 0xDFFF_FFFFL),
                                Resources.dwordMemory(PRODUCER, CACHEABLE, false, 0xC000_0000L, 0xDFFF_FFFFL),
                                Resources.dwordMemory(PRODUCER, WRITE_COMBINING, true, 0xC000_0000L, 0xDFFF_FFFFL),
                                Resources.dwordMemory(PRODUCER, PREFETCHABLE, true, 0xC000_0000L, 0xDFFF_FFFFL)))),
                block("QWordMemory",
                        "Name (RT06, ResourceTemplate () {\n"
                                + "QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0x0, "
                                + "0x0000008000000000, 0x00000087FFFFFFFF, 0x0, 0x0000000800000000,,, , AddressRangeMemory, TypeStatic)\n"
                                + "QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite, 0x0, "
                                + "0x0000000100000000, 0x000000013FFFFFFF, 0x0, 0x0000000040000000,,, , AddressRangeMemory, TypeStatic) })",
                        name("RT06", resourceTemplate(
                                Resources.qwordMemory(PRODUCER, CACHEABLE, true, 0x80_0000_0000L, 0x87_FFFF_FFFFL),
                                Resources.qwordMemory(CONSUMER, NON_CACHEABLE, true, 0x1_0000_0000L, 0x1_3FFF_FFFFL)))),
                block("empty resource template", "Name (RT07, ResourceTemplate () {})", name("RT07", resourceTemplate())),
                block("resource template longer than 255 bytes",
                        "Name (RT08, ResourceTemplate () {" + IntStream.range(0, 40)
                                .mapToObj(i -> String.format("IO (Decode16, 0x%04X, 0x%04X, 0x01, 0x08)", 0x1000 + 8 * i, 0x1000 + 8 * i))
                                .collect(Collectors.joining("\n")) + "})",
                        name("RT08", resourceTemplate(IntStream.range(0, 40)
                                .mapToObj(i -> Resources.io(0x1000 + 8 * i, 0x1000 + 8 * i, 1, 8))
                                .toArray(ResourceDescriptor[]::new)))));
    }

    static Stream<Arguments> statementCases() {
        return Stream.of(
                statements("Store and assignment", "", "Store (Arg0, Local0)\nLocal1 = Local0\nReturn (Local1)",
                        store(arg(0), local(0)), store(local(0), local(1)), returnValue(local(1))),
                statements("every Local and Arg", "",
                        "Local0 = Arg0\nLocal1 = Arg1\nLocal2 = Arg2\nLocal3 = Arg3\nLocal4 = Arg4\nLocal5 = Arg5\n"
                                + "Local6 = Arg6\nLocal7 = Local6\nReturn (Local7)",
                        store(arg(0), local(0)), store(arg(1), local(1)), store(arg(2), local(2)),
                        store(arg(3), local(3)), store(arg(4), local(4)), store(arg(5), local(5)),
                        store(arg(6), local(6)), store(local(6), local(7)), returnValue(local(7))),
                statements("arithmetic with targets", "",
                        "Add (Arg0, Arg1, Local0)\nSubtract (Local0, One, Local1)\nMultiply (Local1, 0x03, Local2)\n"
                                + "And (Local2, 0xFF, Local3)\nOr (Local3, 0x0100, Local4)\nXor (Local4, Arg2, Local5)\n"
                                + "ShiftLeft (Local5, 0x04, Local6)\nShiftRight (Local6, 0x02, Local7)\nNot (Local7, Local0)\n"
                                + "Return (Local0)",
                        add(arg(0), arg(1), local(0)), subtract(local(0), ONE, local(1)),
                        multiply(local(1), integer(3), local(2)), and(local(2), integer(0xFF), local(3)),
                        or(local(3), integer(0x100), local(4)), xor(local(4), arg(2), local(5)),
                        shiftLeft(local(5), integer(4), local(6)), shiftRight(local(6), integer(2), local(7)),
                        not(local(7), local(0)), returnValue(local(0))),
                statements("arithmetic as expressions", "",
                        "Return (Add (Subtract (Multiply (Arg0, 0x02), One), ShiftLeft (And (Or (Xor (Arg1, Arg2), One), "
                                + "0x0F), ShiftRight (Not (Arg3), 0x3C))))",
                        returnValue(add(subtract(multiply(arg(0), integer(2)), ONE),
                                shiftLeft(and(or(xor(arg(1), arg(2)), ONE), integer(0x0F)),
                                        shiftRight(not(arg(3)), integer(0x3C)))))),
                statements("Increment and Decrement", "", "Local0 = Arg0\nIncrement (Local0)\nDecrement (Local0)\n"
                                + "Return (Local0)",
                        store(arg(0), local(0)), increment(local(0)), decrement(local(0)), returnValue(local(0))),
                statements("logical operators", "",
                        "If (LEqual (Arg0, One)) { Return (0x02) }\nIf (LLess (Arg0, Arg1)) { Return (0x03) }\n"
                                + "If (LGreater (Arg0, Arg1)) { Return (0x04) }\nIf (LNot (Arg2)) { Return (0x05) }\n"
                                + "If (LAnd (Arg0, Arg1)) { Return (0x06) }\nIf (LOr (Arg0, Arg1)) { Return (0x07) }\n"
                                + "If (LNotEqual (Arg0, Arg1)) { Return (0x08) }\n"
                                + "If (LLessEqual (Arg0, Arg1)) { Return (0x09) }\n"
                                + "If (LGreaterEqual (Arg0, Arg1)) { Return (0x0A) }\nReturn (Zero)",
                        ifThen(lEqual(arg(0), ONE), returnValue(integer(2))),
                        ifThen(lLess(arg(0), arg(1)), returnValue(integer(3))),
                        ifThen(lGreater(arg(0), arg(1)), returnValue(integer(4))),
                        ifThen(lNot(arg(2)), returnValue(integer(5))),
                        ifThen(lAnd(arg(0), arg(1)), returnValue(integer(6))),
                        ifThen(lOr(arg(0), arg(1)), returnValue(integer(7))),
                        ifThen(lNotEqual(arg(0), arg(1)), returnValue(integer(8))),
                        ifThen(lLessEqual(arg(0), arg(1)), returnValue(integer(9))),
                        ifThen(lGreaterEqual(arg(0), arg(1)), returnValue(integer(10))),
                        returnValue(ZERO)),
                statements("If, Else and ElseIf", "",
                        "If (LEqual (Arg0, Zero)) { Return (One) } ElseIf (LEqual (Arg0, One)) { Return (0x02) } "
                                + "Else { Return (0x03) }",
                        ifElse(lEqual(arg(0), ZERO), List.of(returnValue(ONE)),
                                List.of(ifElse(lEqual(arg(0), ONE), List.of(returnValue(integer(2))),
                                        List.of(returnValue(integer(3))))))),
                statements("While and Break", "",
                        "Local0 = Zero\nWhile (LLess (Local0, Arg0)) { If (LEqual (Local0, 0x10)) { Break }\n"
                                + "Local0++ }\nReturn (Local0)",
                        store(ZERO, local(0)),
                        whileDo(lLess(local(0), arg(0)), ifThen(lEqual(local(0), integer(0x10)), BREAK),
                                increment(local(0))),
                        returnValue(local(0))),
                statements("Notify", "Scope (\\_SB) { Device (DEV0) { Name (_ADR, Zero) } }",
                        "Notify (\\_SB.DEV0, 0x80)\nNotify (\\_SB.DEV0, Arg0)",
                        notifyDevice(path("\\_SB.DEV0"), integer(0x80)), notifyDevice(path("\\_SB.DEV0"), arg(0))),
                statements("Acquire, Release, Sleep", "Mutex (\\CPLK, 0)",
                        "Acquire (\\CPLK, 0xFFFF)\nSleep (0x0A)\nRelease (\\CPLK)\nAcquire (\\CPLK, 0x0100)\n"
                                + "Release (\\CPLK)",
                        acquire(path("\\CPLK"), 0xFFFF), sleep(integer(10)), release(path("\\CPLK")),
                        acquire(path("\\CPLK"), 0x100), release(path("\\CPLK"))),
                statements("Create*Field on a buffer", "Name (\\RBUF, Buffer (0x20) {})",
                        "CreateByteField (\\RBUF, Zero, BYT0)\nCreateWordField (\\RBUF, 0x02, WRD0)\n"
                                + "CreateDWordField (\\RBUF, 0x04, DWD0)\nCreateQWordField (\\RBUF, Arg0, QWD0)\n"
                                + "BYT0 = One\nWRD0 = 0x0102\nDWD0 = 0x01020304\nQWD0 = 0x0102030405060708\n"
                                + "Return (\\RBUF)",
                        createByteField(path("\\RBUF"), ZERO, "BYT0"), createWordField(path("\\RBUF"), integer(2), "WRD0"),
                        createDWordField(path("\\RBUF"), integer(4), "DWD0"),
                        createQWordField(path("\\RBUF"), arg(0), "QWD0"),
                        store(ONE, path("BYT0")), store(integer(0x0102), path("WRD0")),
                        store(integer(0x0102_0304), path("DWD0")), store(integer(0x0102_0304_0506_0708L), path("QWD0")),
                        returnValue(path("\\RBUF"))),
                statements("Index, DerefOf, SizeOf", "Name (\\PKG0, Package () {0x0A, 0x0B, 0x0C})",
                        "Local0 = SizeOf (\\PKG0)\nLocal1 = DerefOf (Index (\\PKG0, Arg0))\nIndex (\\PKG0, One, Local2)\n"
                                + "Return (Add (Local0, Add (Local1, DerefOf (Local2))))",
                        store(sizeOf(path("\\PKG0")), local(0)), store(derefOf(index(path("\\PKG0"), arg(0))), local(1)),
                        index(path("\\PKG0"), ONE, local(2)),
                        returnValue(add(local(0), add(local(1), derefOf(local(2)))))),
                statements("method calls by path with arguments",
                        "Method (\\CAL2, 2) { Return (Add (Arg0, Arg1)) }\n"
                                + "Scope (\\_SB) { Device (DEV1) { Name (_ADR, Zero)\nMethod (CAL0, 0) { Return (One) } } }",
                        "Local0 = \\CAL2 (Arg0, 0x05)\n\\_SB.DEV1.CAL0 ()\nReturn (\\CAL2 (Local0, \\_SB.DEV1.CAL0 ()))",
                        store(invoke("\\CAL2", arg(0), integer(5)), local(0)), invoke("\\_SB.DEV1.CAL0"),
                        returnValue(invoke("\\CAL2", local(0), invoke("\\_SB.DEV1.CAL0")))),
                statements("field access in a method",
                        "OperationRegion (\\GEDR, SystemMemory, 0xF0000000, 0x04)\n"
                                + "Field (\\GEDR, DWordAcc, NoLock, WriteAsZeros) { ESEL, 32 }",
                        "Local0 = \\ESEL\nIf (And (Local0, One)) { Return (One) }\nReturn (Zero)",
                        store(path("\\ESEL"), local(0)), ifThen(and(local(0), ONE), returnValue(ONE)),
                        returnValue(ZERO)));
    }

    /** Objects whose bodies are just below, at and just above each PkgLength width's limit. */
    @ParameterizedTest(name = "device body of {0} bytes")
    @MethodSource("pkgLengthBoundaries")
    void pkgLengthBoundariesEncodeLikeIasl(int bodyLength) {
        List<String> asl = new ArrayList<>();
        List<Aml> ours = new ArrayList<>();
        fillDeviceBody(bodyLength - NameSeg.LENGTH, asl, ours);

        byte[] expected = Acpica.compileAml(workDir, "Device (BIGD) {\n" + String.join("\n", asl) + "\n}");
        byte[] encoded = device("BIGD", ours).encode();

        assertThat(encoded.length - 2 - PkgLength.ofPackage(bodyLength).length).isEqualTo(bodyLength);
        assertSameAml(encoded, expected);
    }

    static IntStream pkgLengthBoundaries() {
        return IntStream.of(62, 63, 64, 4093, 4094, 4095, 4096, 1_048_572, 1_048_573, 1_100_000);
    }

    /** Names with strings that add up to exactly {@code length} bytes (each costs 7 bytes plus its text). */
    private static void fillDeviceBody(int length, List<String> asl, List<Aml> ours) {
        int perName = 7;
        int maxText = 4000;
        int count = Math.max(1, (length + perName + maxText - 1) / (perName + maxText));
        int textTotal = length - count * perName;
        for (int i = 0; i < count; i++) {
            int text = textTotal / count + (i < textTotal % count ? 1 : 0);
            String segment = String.format("S%03X", i);
            String value = "A".repeat(text);
            asl.add("Name (" + segment + ", \"" + value + "\")");
            ours.add(name(segment, string(value)));
        }
    }

    private static String dwordMemoryAsl(String cacheability, String access) {
        return "DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, " + cacheability + ", " + access
                + ", 0x00000000, 0xC0000000, 0xDFFFFFFF, 0x00000000, 0x20000000,,, , AddressRangeMemory, TypeStatic)\n";
    }

    private static Arguments block(String title, String asl, Aml... ours) {
        return Arguments.of(title, asl, List.of(ours));
    }

    private static Arguments statements(String title, String declarations, String statements, Aml... ours) {
        return Arguments.of(title, declarations, statements, List.of(ours));
    }

    private static byte[] encodeAll(List<Aml> terms) {
        return new AmlWriter().writeAll(terms).toByteArray();
    }

    /** On a difference, shows both encodings around the first byte where they part. */
    static void assertSameAml(byte[] ours, byte[] iasl) {
        int mismatch = Arrays.mismatch(ours, iasl);
        if (mismatch < 0) {
            return;
        }
        int from = Math.max(0, mismatch - 32);
        HexFormat hex = HexFormat.ofDelimiter(" ");
        String context = String.format("AML differs at byte %d (ours %d bytes, iasl %d bytes)%n ours from %d: %s%n iasl from %d: %s",
                mismatch, ours.length, iasl.length, from,
                hex.formatHex(ours, from, Math.min(ours.length, mismatch + 32)), from,
                hex.formatHex(iasl, from, Math.min(iasl.length, mismatch + 32)));
        throw new AssertionError(context);
    }
}
