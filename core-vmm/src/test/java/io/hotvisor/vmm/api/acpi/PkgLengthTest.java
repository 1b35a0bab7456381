package io.hotvisor.vmm.api.acpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hand-computed encodings (ACPI 6.5 §20.2.4), including the sizes iasl cannot produce. */
class PkgLengthTest {
    @ParameterizedTest(name = "body {0} -> {1}")
    @CsvSource({
        "0, 01",
        "62, 3F", // 62 + 1 = 63, the largest one-byte value
        "63, 4104", // 63 + 2 = 65 = 0x041
        "64, 4204",
        "4093, 4FFF", // 4093 + 2 = 0xFFF, the largest two-byte value
        "4094, 810001", // 4094 + 3 = 0x1001
        "4095, 820001",
        "4096, 830001",
        "1048572, 8FFFFF", // + 3 = 0xFFFFF, the largest three-byte value
        "1048573, C1000001", // + 4 = 0x100001
        "268435451, CFFFFFFF", // + 4 = 2^28 - 1, the largest PkgLength
    })
    void packageLengthCountsItself(int bodyLength, String expectedHex) {
        assertThat(hex(PkgLength.ofPackage(bodyLength))).isEqualTo(expectedHex);
    }

    @ParameterizedTest(name = "{0} bits -> {1}")
    @CsvSource({
        "1, 01",
        "62, 3E",
        "63, 4F03", // iasl picks the width as for a package: 63 + 1 > 63
        "64, 4004",
        "4093, 4DFF",
        "4094, 8EFF00",
        "4096, 800001",
        "1048572, 8CFFFF",
        "1048573, CDFFFF00",
        "268435451, CBFFFFFF",
    })
    void fieldLengthDoesNotCountItself(long bits, String expectedHex) {
        assertThat(hex(PkgLength.ofFieldBits(bits))).isEqualTo(expectedHex);
    }

    @Test
    void lengthsBeyondTwoToThe28AreRejected() {
        assertThatThrownBy(() -> PkgLength.ofPackage(268_435_452))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("268435452 bytes is too long");
        assertThatThrownBy(() -> PkgLength.ofFieldBits(1L << 28))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bits is too long");
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().withUpperCase().formatHex(bytes);
    }
}
