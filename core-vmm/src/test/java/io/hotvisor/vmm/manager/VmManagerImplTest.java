package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.MachineAttachment;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MachineContribution;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmListener;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.FeatureCatalog.Kind;
import io.hotvisor.vmm.manager.FeatureCatalog.Provider;
import io.hotvisor.vmm.testing.TestImages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
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
            case DEVICE_MODEL, HOTPLUG_BUS -> Optional.empty();
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

    /**
     * Registers each VM by name as QmpService and VmMBeans do: a created VM whose name is taken
     * keeps the registration it finds, and a destroyed VM frees its name only if it holds it.
     */
    private static final class Registrations implements VmListener {
        final Map<String, Vm> byName = new ConcurrentHashMap<>();

        @Override
        public void created(Vm vm) {
            jitter();
            byName.putIfAbsent(vm.name(), vm);
        }

        @Override
        public void destroyed(Vm vm) {
            jitter();
            byName.remove(vm.name(), vm);
        }
    }

    private static void jitter() {
        if (ThreadLocalRandom.current().nextBoolean()) {
            Thread.yield();
        }
    }

    /**
     * Audit row 12: destroys and creates of one name from several threads, in random order; after
     * each round, the VM the manager holds under that name (if any) is the one its listeners hold.
     */
    @Test
    void destroyAndCreateOfOneNameLeaveListenersWithTheVmThatHasTheName() throws Exception {
        VmManagerImpl manager = manager();
        Registrations registrations = new Registrations();
        manager.addListener(registrations);
        VmSpec spec = new VmSpec("x", TestImages.probeGuest().toString(), null, "", 1, 1, 64L << 20, Map.of());
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 300; round++) {
            if (manager.find("x").isEmpty()) {
                manager.create(spec);
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (Runnable step : List.<Runnable>of(() -> manager.destroy("x"), () -> manager.create(spec),
                    () -> manager.destroy("x"), () -> manager.create(spec))) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                        jitter();
                        step.run();
                    } catch (VmException expected) {
                        // "no VM named" or "already exists": the other thread got there first
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(unexpected).isEmpty();
            assertThat(registrations.byName.get("x")).as("round %d", round).isSameAs(manager.find("x").orElse(null));
        }
        manager.close();
        assertThat(registrations.byName).isEmpty();
    }

    /**
     * Audit row 12's leftover: a listener added while VMs are destroyed and created hears of each
     * VM the manager holds once, and never of one already gone.
     */
    @Test
    void aListenerAddedDuringDestroyAndCreateHoldsTheVmThatHasTheName() throws Exception {
        VmManagerImpl manager = manager();
        VmSpec spec = new VmSpec("x", TestImages.probeGuest().toString(), null, "", 1, 1, 64L << 20, Map.of());
        manager.create(spec);
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        for (int round = 0; round < 300; round++) {
            Registrations late = new Registrations();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (Runnable step : List.<Runnable>of(() -> {
                manager.destroy("x");
                manager.create(spec);
            }, () -> manager.addListener(late))) {
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                        jitter();
                        step.run();
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(unexpected).isEmpty();
            assertThat(late.byName.get("x")).as("round %d", round).isSameAs(manager.find("x").orElseThrow());
            manager.removeListener(late);
        }
        manager.close();
    }
}
