package io.hotvisor.vmm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MemorySizeTest {
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '=', value = {
        "512M = 536870912",
        "2G = 2147483648",
        "64K = 65536",
        "1048576 = 1048576",
        "0 = 0",
        "1T = 1099511627776",
        "512m = 536870912",
        "2g = 2147483648",
        "512MiB = 536870912",
        "512MB = 536870912",
        "512mb = 536870912",
        "4GiB = 4294967296",
        "64KB = 65536",
        "65536K = 67108864",
        "8388607T = 9223370937343148032",
        "9223372036854775807 = 9223372036854775807",
    })
    void parsesOperatorNotation(String text, long bytes) {
        assertThat(MemorySize.parse(text)).isEqualTo(bytes);
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(MemorySize.parse("  512M\t")).isEqualTo(512L << 20);
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {
        "", " ", "abc", "M", "MB", "MiB", "iB", "-1M", "-1", "12X", "1 G", "1.5G", "0x100", "G2", "512 M",
        "100B",               // bytes need no suffix; B only follows a unit
        "8388608T",           // 2^63: overflows a long
        "8589934592G",        // 2^63 in G
        "9223372036854775808" // Long.MAX_VALUE + 1
    })
    void rejectsWhatIsNotASize(String text) {
        assertThatThrownBy(() -> MemorySize.parse(text))
                .isInstanceOf(VmException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("not a memory size");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> MemorySize.parse(null)).isInstanceOf(VmException.class)
                .hasMessageContaining("not a memory size");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '>', value = {
        "0 > 0",
        "1 > 1",
        "1023 > 1023",
        "1024 > 1K",
        "1536 > 1536",
        "65536 > 64K",
        "536870912 > 512M",
        "1073741824 > 1G",
        "3221225472 > 3G",
        "4294967296 > 4G",
        "1099511627776 > 1T",
        "1125899906842624 > 1024T",
        "536875008 > 524292K",
    })
    void formatsWithTheLargestExactUnit(long bytes, String text) {
        assertThat(MemorySize.format(bytes)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 4095, 4096, 1 << 20, 3L << 30, (3L << 30) + 4096, 1L << 40, 5L << 50,
        Long.MAX_VALUE, Long.MAX_VALUE - 1023, 0x7FFF_FC00_0000_0000L})
    void formatThenParseRoundTrips(long bytes) {
        assertThat(MemorySize.parse(MemorySize.format(bytes))).isEqualTo(bytes);
    }
}
