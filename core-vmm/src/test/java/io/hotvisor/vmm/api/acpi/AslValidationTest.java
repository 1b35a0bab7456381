package io.hotvisor.vmm.api.acpi;

import static io.hotvisor.vmm.api.acpi.Resources.Polarity.ACTIVE_HIGH;
import static io.hotvisor.vmm.api.acpi.Resources.Role.CONSUMER;
import static io.hotvisor.vmm.api.acpi.Resources.Role.PRODUCER;
import static io.hotvisor.vmm.api.acpi.Resources.Sharing.EXCLUSIVE;
import static io.hotvisor.vmm.api.acpi.Resources.Trigger.EDGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Values AML cannot hold are refused when the term is made, with a message that says why. */
class AslValidationTest {
    @Test
    void localsAndArgsHaveFixedRanges() {
        assertThat(Asl.local(7).encode()).containsExactly(0x67);
        assertThat(Asl.arg(6).encode()).containsExactly(0x6E);
        assertThatThrownBy(() -> Asl.local(8)).hasMessage("Local8 is out of range 0-7");
        assertThatThrownBy(() -> Asl.arg(7)).hasMessage("Arg7 is out of range 0-6");
        assertThatThrownBy(() -> Asl.arg(-1)).hasMessage("Arg-1 is out of range 0-6");
    }

    @Test
    void methodsTakeAtMostSevenArguments() {
        assertThatThrownBy(() -> Asl.method("MTH", 8, false)).hasMessageContaining("method argument count 8");
        assertThatThrownBy(() -> Asl.invoke("MTH", Collections.nCopies(8, Asl.ZERO).toArray(Aml[]::new))).hasMessageContaining("at most 7");
    }

    @Test
    void stringsAreAscii() {
        assertThatThrownBy(() -> Asl.string("caf\u00e9")).hasMessageContaining("U+00E9");
        assertThatThrownBy(() -> Asl.string("a\0b")).hasMessageContaining("character 1");
    }

    @Test
    void eisaIdsAndUuidsMustBeWellFormed() {
        assertThatThrownBy(() -> Asl.eisaId("pnp0501")).hasMessageContaining("three letters A-Z and four hex digits");
        assertThatThrownBy(() -> Asl.eisaId("PNP050")).hasMessageContaining("'PNP050'");
        assertThatThrownBy(() -> Asl.toUuid("33DB4D5B-1FF7-401C-9657")).hasMessageContaining("must look like");
    }

    @Test
    void fieldOffsetsOnlyMoveForward() {
        assertThatThrownBy(() -> Asl.field("REG0", FieldAccess.BYTE, FieldLock.NO_LOCK, FieldUpdate.PRESERVE,
                FieldEntry.named("AAAA", 16), FieldEntry.offset(1)))
                .hasMessageContaining("Offset (0x1) is behind the fields before it (bit 16)");
        assertThatThrownBy(() -> FieldEntry.named("AAAA", 0)).hasMessageContaining("at least one bit");
    }

    @Test
    void mutexSyncLevelsAndAcquireTimeoutsFitTheirEncodings() {
        assertThatThrownBy(() -> Asl.mutex("MTX0", 16)).hasMessageContaining("sync level 16");
        assertThatThrownBy(() -> Asl.acquire(Asl.path("MTX0"), 0x10000)).hasMessageContaining("Acquire timeout 65536");
    }

    @Test
    void resourceDescriptorsRefuseValuesTheirFieldsCannotHold() {
        assertThatThrownBy(() -> Resources.io(0x10000, 0x10000, 1, 8)).hasMessageContaining("IO minimum 0x10000");
        assertThatThrownBy(() -> Resources.irqNoFlags(16)).hasMessageContaining("IRQNoFlags IRQ 0x10");
        assertThatThrownBy(() -> Resources.irqNoFlags()).hasMessageContaining("at least one IRQ");
        assertThatThrownBy(() -> Resources.interrupt(CONSUMER, EDGE, ACTIVE_HIGH, EXCLUSIVE))
                .hasMessageContaining("1 to 255 interrupts");
        assertThatThrownBy(() -> Resources.dwordIo(PRODUCER, 0xD00, 0xCFF)).hasMessageContaining("DWordIO range")
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> Resources.wordBusNumber(PRODUCER, 0, 0xFFFF))
                .hasMessageContaining("longer than its length field holds");
        assertThatThrownBy(() -> Resources.dwordMemory(PRODUCER, Resources.Cacheability.CACHEABLE, true, 0,
                0x1_0000_0000L)).hasMessageContaining("DWordMemory maximum 0x100000000");
    }

    @Test
    void descriptorsHandOutCopiesOfTheirBytes() {
        ResourceDescriptor descriptor = Resources.irqNoFlags(4);
        descriptor.bytes()[1] = 0;

        assertThat(HexFormat.of().formatHex(descriptor.bytes())).isEqualTo("221000");
    }
}
