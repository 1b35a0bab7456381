package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.FeatureCatalog.Kind;
import io.hotvisor.vmm.manager.FeatureCatalog.Provider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link VmManagerImpl#create} refuses before it looks at the kernel: a spec that passes
 * fails on the kernel file, which does not exist here.
 */
class VmManagerImplTest {
    private static final String NO_KERNEL = "no such file";

    @TempDir
    Path data;

    private VmManagerImpl manager() {
        return new VmManagerImpl(data);
    }

    private static VmSpec spec(int vcpus, int maxVcpus, Map<String, String> options) {
        return new VmSpec("vm1", "/no/such/kernel", null, "", vcpus, maxVcpus, 64L << 20, options);
    }

    /** The features repository of the distribution, with hotvisor-cpu-hotplug and the GED in the given states. */
    private static FeatureCatalog catalog(Provider cpuHotplug, Provider ged) {
        return (kind, name) -> switch (kind) {
            case SPEC_SETTING -> name.equals("max-vcpus") ? Optional.of(cpuHotplug) : Optional.empty();
            case CAPABILITY -> name.equals("acpi-ged") ? Optional.of(ged) : Optional.empty();
            case DEVICE_MODEL -> Optional.empty();
        };
    }

    private static MachineCapability capability(String name, Set<String> settings, Set<String> required) {
        return new MachineCapability() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Set<String> specSettings() {
                return settings;
            }

            @Override
            public Set<String> requiredCapabilities() {
                return required;
            }

            @Override
            public void contribute(Vm vm, MachineContribution contribution) {
            }

            @Override
            public void attach(Vm vm, MachineAttachment attachment) {
            }

            @Override
            public void detach(Vm vm, MachineAttachment attachment) {
            }
        };
    }

    private static final Provider GED_ACTIVE = new Provider("hotvisor-acpi-ged", true, List.of());

    @Test
    void aSettingThatAFeatureDeclaresNeedsItsCapabilityRunning() {
        VmManagerImpl manager = manager();
        manager.setCatalog(catalog(new Provider("hotvisor-cpu-hotplug", false, List.of()), GED_ACTIVE));
        assertThatThrownBy(() -> manager.create(spec(1, 4, Map.of())))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("max-vcpus 4 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is not installed"
                        + " (feature:install hotvisor-cpu-hotplug)");

        manager.setCatalog(catalog(new Provider("hotvisor-cpu-hotplug", true, List.of("io.hotvisor.cpu-hotplug")), GED_ACTIVE));
        assertThatThrownBy(() -> manager.create(spec(1, 4, Map.of())))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("max-vcpus 4 (more than vcpus 1) needs feature hotvisor-cpu-hotplug, which is installed but"
                        + " not active (bundle:start io.hotvisor.cpu-hotplug)");

        assertThatThrownBy(() -> manager.create(spec(2, 2, Map.of()))).hasMessageContaining(NO_KERNEL);
    }

    @Test
    void aRunningCapabilityServesTheSettingWhenWhatItRequiresRunsToo() {
        VmManagerImpl manager = manager();
        manager.setCatalog(catalog(new Provider("hotvisor-cpu-hotplug", true, List.of()),
                new Provider("hotvisor-acpi-ged", true, List.of("io.hotvisor.acpi-ged"))));
        manager.addCapability(capability("cpu-hotplug", Set.of("max-vcpus"), Set.of("acpi-ged")));
        assertThatThrownBy(() -> manager.create(spec(1, 4, Map.of())))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("capability cpu-hotplug needs feature hotvisor-acpi-ged, which is installed but not active"
                        + " (bundle:start io.hotvisor.acpi-ged)");

        manager.addCapability(capability("acpi-ged", Set.of(), Set.of()));
        assertThatThrownBy(() -> manager.create(spec(1, 4, Map.of()))).hasMessageContaining(NO_KERNEL);
    }

    @Test
    void aRequiredCapabilityNoFeatureDeclaresIsNamedAlone() {
        VmManagerImpl manager = manager();
        manager.addCapability(capability("cpu-hotplug", Set.of("max-vcpus"), Set.of("acpi-ged")));
        assertThatThrownBy(() -> manager.create(spec(1, 4, Map.of())))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("capability cpu-hotplug needs capability acpi-ged, which is not running");
    }

    @Test
    void optionsAreMatchedByNameOrPrefixAndThoseNoFeatureDeclaresAreLeftAlone() {
        VmManagerImpl manager = manager();
        manager.setCatalog((kind, name) -> kind == Kind.SPEC_SETTING && name.startsWith("console.")
                ? Optional.of(new Provider("hotvisor-console", false, List.of())) : Optional.empty());
        assertThatThrownBy(() -> manager.create(spec(1, 1, Map.of("console.log", "on", "device.0", "virtio-rng-pci"))))
                .hasMessage("option console.log=on needs feature hotvisor-console, which is not installed"
                        + " (feature:install hotvisor-console)");
        assertThatThrownBy(() -> manager.create(spec(1, 1, Map.of("qmp.tcp", "4444", "device.0", "virtio-rng-pci"))))
                .hasMessageContaining(NO_KERNEL);

        manager.addCapability(capability("console", Set.of("console.*"), Set.of()));
        assertThatThrownBy(() -> manager.create(spec(1, 1, Map.of("console.log", "on")))).hasMessageContaining(NO_KERNEL);
    }
}
