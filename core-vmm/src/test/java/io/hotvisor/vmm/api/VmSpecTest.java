package io.hotvisor.vmm.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmSpecTest {
    private static final long MIB = 1L << 20;

    private static VmSpec spec(String name, String kernel, int vcpus, long memory) {
        return new VmSpec(name, kernel, null, "console=ttyS0", vcpus, memory);
    }

    private static VmSpec good() {
        return spec("web-01", "/boot/bzImage", 2, 512 * MIB);
    }

    @Test
    void aSensibleSpecValidatesAndReturnsItself() {
        VmSpec spec = good();
        assertThat(spec.validate()).isSameAs(spec);
        assertThat(spec("a", "/k", 1, VmSpec.MIN_MEMORY).validate()).isNotNull();
        assertThat(spec("a", "/k", VmSpec.MAX_VCPUS, VmSpec.MAX_MEMORY).validate()).isNotNull();
        assertThat(spec("A.b_c-9", "/k", 1, 16 * MIB).validate()).isNotNull();
        assertThat(spec("x".repeat(63), "/k", 1, 16 * MIB).validate()).isNotNull();
    }

    @Test
    void capabilitySettingsAreMaxVcpusAboveVcpusAndOptionsButBootDevices() {
        assertThat(good().capabilitySettings()).isEmpty();
        VmSpec spec = new VmSpec("a", "/k", null, "", 1, 4, 16 * MIB,
                Map.of("qmp.tcp", "4444", "device.0", "virtio-rng-pci", "a.b", "c"));
        assertThat(spec.capabilitySettings()).containsExactly(
                entry("max-vcpus", "max-vcpus 4 (more than vcpus 1)"),
                entry("a.b", "option a.b=c"),
                entry("qmp.tcp", "option qmp.tcp=4444"));
        assertThat(VmSpec.settingMatches("qmp.*", "qmp.tcp")).isTrue();
        assertThat(VmSpec.settingMatches("qmp.*", "qmpx")).isFalse();
        assertThat(VmSpec.settingMatches("max-vcpus", "max-vcpus")).isTrue();
        assertThat(VmSpec.settingMatches("max-vcpus", "max-vcpus2")).isFalse();
    }

    @Test
    void nullCmdlineBecomesEmpty() {
        assertThat(new VmSpec("a", "/k", null, null, 1, 16 * MIB).cmdline()).isEmpty();
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", " ", "-web", ".hidden", "_x", "a b", "a/b", "a:b", "vm\n1", "ü", "web$"})
    void badNamesAreRejectedQuotingTheName(String name) {
        assertThatThrownBy(() -> spec(name, "/k", 1, 16 * MIB).validate())
                .isInstanceOf(VmException.class)
                .hasMessageContaining("invalid VM name '" + name + "'");
    }

    @Test
    void nullAndOverlongNamesAreRejected() {
        assertThatThrownBy(() -> spec(null, "/k", 1, 16 * MIB).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("invalid VM name");
        String tooLong = "x".repeat(64);
        assertThatThrownBy(() -> spec(tooLong, "/k", 1, 16 * MIB).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("invalid VM name '" + tooLong + "'")
                .hasMessageContaining("63");
    }

    @Test
    void aKernelIsRequired() {
        for (String kernel : new String[] {null, "", "  "}) {
            assertThatThrownBy(() -> spec("vm1", kernel, 1, 16 * MIB).validate())
                    .as("kernel %s", kernel)
                    .isInstanceOf(VmException.class)
                    .hasMessage("vm1: no kernel given");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 256, 1000, Integer.MIN_VALUE})
    void vcpuCountOutsideOneTo255IsRejected(int vcpus) {
        assertThatThrownBy(() -> spec("vm1", "/k", vcpus, 16 * MIB).validate())
                .isInstanceOf(VmException.class)
                .hasMessageStartingWith("vm1: ")
                .hasMessageContaining("vcpus")
                .hasMessageContaining("between 1 and 255")
                .hasMessageContaining("not " + vcpus);
    }

    @Test
    void memoryBelowTheMinimumIsRejectedNamingBothSizes() {
        assertThatThrownBy(() -> spec("vm1", "/k", 1, 8 * MIB).validate())
                .isInstanceOf(VmException.class)
                .hasMessage("vm1: memory 8M is too small (minimum 16M)");
        assertThatThrownBy(() -> spec("vm1", "/k", 1, 0).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("too small");
        assertThatThrownBy(() -> spec("vm1", "/k", 1, -4096).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("too small");
        assertThatThrownBy(() -> spec("vm1", "/k", 1, VmSpec.MIN_MEMORY - 4096).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("too small");
    }

    @Test
    void memoryAboveTheMaximumIsRejected() {
        assertThatThrownBy(() -> spec("vm1", "/k", 1, VmSpec.MAX_MEMORY + 4096).validate())
                .isInstanceOf(VmException.class)
                .hasMessageStartingWith("vm1: memory ")
                .hasMessageContaining("too large");
        assertThatThrownBy(() -> spec("vm1", "/k", 1, 2L << 40).validate())
                .isInstanceOf(VmException.class)
                .hasMessage("vm1: memory 2T is too large");
        assertThatThrownBy(() -> spec("vm1", "/k", 1, Long.MAX_VALUE).validate())
                .isInstanceOf(VmException.class).hasMessageContaining("too large");
    }

    @Test
    void memoryMustBeAWholeNumberOf4KPages() {
        for (long memory : new long[] {16 * MIB + 1, 16 * MIB + 2048, 512 * MIB + 4095}) {
            assertThatThrownBy(() -> spec("vm1", "/k", 1, memory).validate())
                    .as("memory %d", memory)
                    .isInstanceOf(VmException.class)
                    .hasMessage("vm1: memory must be a multiple of 4K");
        }
        assertThat(spec("vm1", "/k", 1, 16 * MIB + 4096).validate()).isNotNull();
    }

    @Test
    void messagesAreOneLine() {
        VmSpec[] bad = {
            spec("bad name", "/k", 1, 16 * MIB), spec("vm", null, 1, 16 * MIB), spec("vm", "/k", 0, 16 * MIB),
            spec("vm", "/k", 1, 1), spec("vm", "/k", 1, 1L << 50), spec("vm", "/k", 1, 16 * MIB + 1),
        };
        for (VmSpec spec : bad) {
            assertThatThrownBy(spec::validate).isInstanceOf(VmException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }
}
