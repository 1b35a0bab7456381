package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KarafDeviceCatalogTest {
    @Test
    void readsTheModelsOfAHotvisorDeviceCapabilityAndNothingElse() {
        assertThat(KarafDeviceCatalog.models("hotvisor.device;models:List<String>=\"virtio-blk-pci, virtio-rng-pci\""))
                .containsExactly("virtio-blk-pci", "virtio-rng-pci");
        assertThat(KarafDeviceCatalog.models("hotvisor.device;models=\"host-x86_64-cpu\"")).containsExactly("host-x86_64-cpu");
        assertThat(KarafDeviceCatalog.models("osgi.service;objectClass=\"x\"")).isEmpty();
        assertThat(KarafDeviceCatalog.models(null)).isEmpty();
    }
}
