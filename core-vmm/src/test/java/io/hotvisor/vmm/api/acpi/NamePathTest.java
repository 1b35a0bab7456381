package io.hotvisor.vmm.api.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NamePathTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "'\\', 5C00", // the root alone: RootChar NullName
        "_S5, 5F53355F", // padded with '_'
        "A, 415F5F5F",
        "'\\_SB', 5C5F53425F",
        "'\\_SB.PCI0', 5C2E5F53425F50434930", // DualNamePrefix
        "'\\_SB.PCI0.S00', 5C2F035F53425F504349305330305F", // MultiNamePrefix, count 3
        "^^CPUS.CSCN, 5E5E2E435055534353434E", // ParentPrefixChar twice
        "PRES.CPLK, 2E5052455343504C4B",
    })
    void encodesAslNotation(String path, String expectedHex) {
        NamePath parsed = NamePath.of(path);

        assertThat(HexFormat.of().withUpperCase().formatHex(parsed.encode())).isEqualTo(expectedHex);
    }

    @Test
    void printsBackInAslNotation() {
        assertThat(NamePath.of("\\_SB.PCI0")).hasToString("\\_SB_.PCI0");
        assertThat(NamePath.of("^^CPUS.CSCN")).hasToString("^^CPUS.CSCN");
        assertThat(NamePath.ROOT).hasToString("\\");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\\_SB..PCI0", "_SB.", "ABCDE", "a", "1ABC", "AB-C", "\\^FOO", "^", "^^"})
    void rejectsInvalidPathsNamingThem(String path) {
        assertThatThrownBy(() -> NamePath.of(path))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AML name path");
    }

    @Test
    void explainsWhatIsWrongWithASegment() {
        assertThatThrownBy(() -> NamePath.of("\\_SB.PCI00"))
                .hasMessageContaining("'\\_SB.PCI00'")
                .hasMessageContaining("'PCI00' must be 1 to 4 characters long");
        assertThatThrownBy(() -> NamePath.of("\\_SB.pci0"))
                .hasMessageContaining("starts with A-Z or '_' and continues with A-Z, 0-9 or '_'");
    }

    @Test
    void allowsAtMost255Segments() {
        String segments = "\\" + "ABCD.".repeat(255) + "ABCD";

        assertThatThrownBy(() -> NamePath.of(segments)).hasMessageContaining("at most 255 segments");
        assertThat(NamePath.of(segments.substring(0, segments.length() - 5)).segments()).hasSize(255);
    }
}
