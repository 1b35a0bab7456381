package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hotvisor.vmm.api.VmSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit row 20: vm:create refuses memory past the host's RAM (or a configured limit) and vCPUs
 * past KVM's limit, before it looks at the kernel (which does not exist here: a spec that passes
 * fails on it).
 */
class HostLimitsTest {
    private static final String NO_KERNEL = "no such file";

    @TempDir
    Path data;

    private record FakeHost(OptionalLong memory, OptionalInt maxVcpus) implements HostLimits {
    }

    private static final FakeHost EIGHT_GIB_SIXTEEN_VCPUS = new FakeHost(OptionalLong.of(8L << 30), OptionalInt.of(16));

    private static VmSpec spec(int maxVcpus, long memory) {
        return new VmSpec("vm1", "/no/such/kernel", null, "", 1, maxVcpus, memory, Map.of());
    }

    @Test
    void memoryPastTheHostsRamIsRefused() {
        try (VmManagerImpl manager = new VmManagerImpl(data, EIGHT_GIB_SIXTEEN_VCPUS)) {
            assertThatThrownBy(() -> manager.create(spec(1, 9L << 30)))
                    .hasMessage("vm1: memory 9G is more than this host's RAM (8192 MiB)");
            assertThatThrownBy(() -> manager.create(spec(1, 8L << 30))).hasMessageContaining(NO_KERNEL);
        }
    }

    @Test
    void aConfiguredLimitStandsInForTheHostsRam() {
        try (VmManagerImpl manager = new VmManagerImpl(data, EIGHT_GIB_SIXTEEN_VCPUS)) {
            manager.configure(Map.of(VmManagerSettings.MAX_MEMORY, "1G"));

            assertThatThrownBy(() -> manager.create(spec(1, 2L << 30)))
                    .hasMessage("vm1: memory 2G is more than vm.max-memory 1G (etc/io.hotvisor.vmm.cfg)");
        }
    }

    @Test
    void vcpusPastKvmsLimitAreRefused() {
        try (VmManagerImpl manager = new VmManagerImpl(data, EIGHT_GIB_SIXTEEN_VCPUS)) {
            assertThatThrownBy(() -> manager.create(spec(17, 64L << 20)))
                    .hasMessage("vm1: max-vcpus 17 is more than KVM runs in one VM on this host (16)");
            assertThatThrownBy(() -> manager.create(spec(16, 64L << 20))).hasMessageContaining(NO_KERNEL);
        }
    }

    @Test
    void withoutKvmTheVcpuCheckIsSkipped() {
        FakeHost noKvm = new FakeHost(OptionalLong.of(8L << 30), OptionalInt.empty());
        try (VmManagerImpl manager = new VmManagerImpl(data, noKvm)) {
            assertThatThrownBy(() -> manager.create(new VmSpec("vm1", "/no/such/kernel", null, "", 255, 64L << 20)))
                    .hasMessageContaining(NO_KERNEL);
        }
    }

    @Test
    void thisHostsRamIsTheDefaultLimit() {
        long ram = HostLimits.local().memory().orElseThrow();
        assumeTrue(ram < VmSpec.MAX_MEMORY, "this host has 1 TiB of RAM or more");
        try (VmManagerImpl manager = new VmManagerImpl(data)) {
            assertThatThrownBy(() -> manager.create(spec(1, VmSpec.MAX_MEMORY)))
                    .hasMessage("vm1: memory 1T is more than this host's RAM (" + (ram >> 20) + " MiB)");
        }
        assertThat(ram).isGreaterThan(VmSpec.MIN_MEMORY);
    }
}
