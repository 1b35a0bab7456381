package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.testing.TestImages;
import org.junit.jupiter.api.Test;

/** A VM without a machine has its spec's size; a running one counts its plugged vCPUs (the CPU hotplug tests, on KVM). */
class CurrentSizeTest extends VmManagerFixture {
    @Test
    void aVmThatIsNotRunningHasItsBootSize() {
        Vm vm = manager.create(new VmSpec("down", TestImages.probeGuest().toString(), null, "console=ttyS0", 2,
                64L << 20));

        assertThat(vm.currentVcpus()).isEqualTo(2);
        assertThat(vm.currentMemory()).isEqualTo(64L << 20);
    }
}
