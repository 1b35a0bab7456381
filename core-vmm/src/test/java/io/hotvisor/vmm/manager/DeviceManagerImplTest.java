package io.hotvisor.vmm.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.CapabilityMissingException;
import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceDriver.AfterReset;
import io.hotvisor.vmm.api.DeviceNotFoundException;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.PluggedDevice.State;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.pci.PciBus;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class DeviceManagerImplTest {
    private final DeviceManagerImpl manager = new DeviceManagerImpl();
    private final FakeVm fake = new FakeVm();
    private final Vm vm = fake.proxy;
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    private final DeviceDriver rng = new RecordingDriver("virtio-rng-pci", AfterReset.FORGOTTEN);

    /** Records plug and unplug calls; refuses the property "bogus". */
    private final class RecordingDriver implements DeviceDriver {
        private final String name;
        private final AfterReset afterReset;

        RecordingDriver(String name, AfterReset afterReset) {
            this.name = name;
            this.afterReset = afterReset;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String bus() {
            return BUS_PCI;
        }

        @Override
        public Set<String> aliases() {
            return Set.of(name + "-alias");
        }

        @Override
        public String description() {
            return name;
        }

        @Override
        public Map<String, String> properties() {
            return Map.of();
        }

        @Override
        public void plug(Vm target, PluggedDevice device) {
            if (!target.state().isActive()) {
                throw new VmException(target.name() + " is not running"); // as real drivers find the machine gone
            }
            if (device.properties().containsKey("bogus")) {
                throw new VmException("Property 'bogus' not found");
            }
            calls.add("plug " + device.name());
        }

        @Override
        public void unplug(Vm target, PluggedDevice device) {
            calls.add("unplug " + device.name());
        }

        @Override
        public DeviceDescription describe(Vm target, PluggedDevice device) {
            return new DeviceDescription("at-" + device.name(), Map.of());
        }

        @Override
        public AfterReset afterReset() {
            return afterReset;
        }
    }

    @Test
    void addsListsAndDeletesThroughTheDriver() {
        manager.addDriver(rng);
        manager.add(vm, "virtio-rng-pci", "rng0", Map.of());
        assertThat(manager.list(vm)).extracting(PluggedDevice::id).containsExactly("rng0");
        manager.remove(vm, "rng0");
        assertThat(manager.list(vm)).singleElement().extracting(PluggedDevice::state).isEqualTo(State.REMOVING);
        assertThatThrownBy(() -> manager.remove(vm, "rng0")).hasMessage("Device 'rng0' is already in the process of unplug");
        manager.unplugFailed(vm, "rng0"); // the guest refused: present again, and a later removal may try again
        assertThat(manager.list(vm)).singleElement().extracting(PluggedDevice::state).isEqualTo(State.PRESENT);
        manager.remove(vm, "rng0");
        manager.deleted(vm, "rng0");
        assertThat(manager.list(vm)).isEmpty();
        assertThat(calls).containsExactly("plug rng0", "unplug rng0", "unplug rng0");
        assertThat(fake.events).extracting(VmEvent::payload)
                .containsExactly(new VmEvent.DeviceDeleted("rng0", "/machine/peripheral/rng0"));
    }

    /** A catalog where hotvisor-cpu-hotplug provides host-x86_64-cpu. */
    private static FeatureCatalog cpuFeature(boolean installed, List<String> inactiveBundles) {
        return (kind, name) -> kind == FeatureCatalog.Kind.DEVICE_MODEL && name.equals("host-x86_64-cpu")
                ? Optional.of(new FeatureCatalog.Provider("hotvisor-cpu-hotplug", installed, inactiveBundles))
                : Optional.empty();
    }

    @Test
    void refusesWithMessagesNamingTheProblem() {
        assertThatThrownBy(() -> manager.add(vm, "no-such-driver", "x", Map.of()))
                .hasMessage("'no-such-driver' is not a valid device model name");
        assertThatThrownBy(() -> manager.add(vm, "host-x86_64-cpu", "c1", Map.of()))
                .hasMessage("'host-x86_64-cpu' is not a valid device model name");
        manager.setCatalog(cpuFeature(false, List.of()));
        assertThatThrownBy(() -> manager.add(vm, "host-x86_64-cpu", "c1", Map.of()))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("device model 'host-x86_64-cpu' needs feature hotvisor-cpu-hotplug, which is not installed"
                        + " (feature:install hotvisor-cpu-hotplug)");
        manager.setCatalog(cpuFeature(true, List.of("io.hotvisor.cpu-hotplug")));
        assertThatThrownBy(() -> manager.add(vm, "host-x86_64-cpu", "c1", Map.of()))
                .isInstanceOf(CapabilityMissingException.class)
                .hasMessage("device model 'host-x86_64-cpu' needs feature hotvisor-cpu-hotplug, which is installed but"
                        + " not active (bundle:start io.hotvisor.cpu-hotplug)");
        manager.addDriver(rng);
        manager.add(vm, "virtio-rng-pci", "r1", Map.of());
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r1", Map.of())).hasMessage("Duplicate device ID 'r1'");
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r2", Map.of("bogus", 1)))
                .hasMessage("Property 'bogus' not found");
        assertThat(manager.list(vm)).extracting(PluggedDevice::id).containsExactly("r1");
        assertThatThrownBy(() -> manager.remove(vm, "nope")).isInstanceOf(DeviceNotFoundException.class)
                .hasMessage("Device 'nope' not found");
        fake.state = VmState.STOPPED;
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r3", Map.of())).hasMessageContaining("not running");
    }

    @Test
    void devicesWithoutIdAreNamedByTheirQomPathAndAliasesFindTheirDriver() {
        manager.addDriver(rng);
        PluggedDevice first = manager.add(vm, "virtio-rng-pci-alias", null, Map.of());
        PluggedDevice second = manager.add(vm, "virtio-rng-pci", null, Map.of());

        assertThat(first.path()).isEqualTo("/machine/peripheral-anon/device[0]");
        assertThat(first.driver()).isEqualTo("virtio-rng-pci");
        assertThat(second.name()).isEqualTo("/machine/peripheral-anon/device[1]");
        assertThat(manager.describe(vm, second).address()).isEqualTo("at-/machine/peripheral-anon/device[1]");
        manager.remove(vm, second.path());
        manager.deleted(vm, second.path());
        assertThat(fake.events).extracting(VmEvent::payload)
                .containsExactly(new VmEvent.DeviceDeleted(null, "/machine/peripheral-anon/device[1]"));
        assertThat(manager.list(vm)).containsExactly(first);
    }

    @Test
    void devicesOfAWithdrawnDriverKeepTheirPlaceButCannotBeRemovedUntilItIsBack() {
        manager.addDriver(rng);
        manager.add(vm, "virtio-rng-pci", "r1", Map.of());
        manager.removeDriver(rng);

        assertThat(manager.list(vm)).extracting(PluggedDevice::state).containsExactly(State.DRIVER_GONE);
        assertThat(manager.describe(vm, manager.list(vm).get(0))).isEqualTo(DeviceDescription.NONE);
        assertThatThrownBy(() -> manager.remove(vm, "r1")).hasMessage("not supported: device 'r1' cannot be removed"
                + " while its driver virtio-rng-pci is not installed (install it again, or stop the VM)");

        DeviceDriver successor = new RecordingDriver("virtio-rng-pci", AfterReset.FORGOTTEN);
        manager.addDriver(successor);
        assertThat(manager.list(vm)).extracting(PluggedDevice::state).containsExactly(State.PRESENT);
        manager.remove(vm, "/machine/peripheral/r1");
        assertThat(calls).containsExactly("plug r1", "unplug r1");
    }

    @Test
    void aResetKeepsTheDevicesOfDriversWhoseDevicesSurviveIt() {
        DeviceDriver cpu = new RecordingDriver("host-x86_64-cpu", AfterReset.KEPT);
        manager.addDriver(rng);
        manager.addDriver(cpu);
        manager.add(vm, "virtio-rng-pci", "r1", Map.of());
        manager.add(vm, "host-x86_64-cpu", "c1", Map.of("core-id", 1));
        manager.add(vm, "host-x86_64-cpu", "c2", Map.of("core-id", 2));
        manager.remove(vm, "c2");

        manager.event(VmEvent.now("fake", new VmEvent.Reset(false, "host-qmp-system-reset")));

        assertThat(manager.list(vm)).containsExactly(
                new PluggedDevice("c1", "/machine/peripheral/c1", "host-x86_64-cpu", Map.of("core-id", 1), State.PRESENT),
                new PluggedDevice("c2", "/machine/peripheral/c2", "host-x86_64-cpu", Map.of("core-id", 2), State.PRESENT));
    }

    /** QEMU keeps hot-added PCI devices across a reset; one whose removal was pending goes with the old machine. */
    @Test
    void aResetPlugsAgainTheDevicesOfDriversThatAskForIt() {
        fake.spec = new VmSpec("fake", "/k", null, "", 1, 1, 64L << 20, Map.of());
        manager.addDriver(new RecordingDriver("virtio-blk-pci", AfterReset.PLUGGED_AGAIN));
        manager.addDriver(rng);
        manager.add(vm, "virtio-blk-pci", "disk", Map.of());
        manager.add(vm, "virtio-blk-pci", "leaving", Map.of());
        manager.add(vm, "virtio-rng-pci", "r1", Map.of());
        manager.remove(vm, "leaving");
        calls.clear();

        manager.machineBuilt(vm); // the reset's new machine, before its vCPUs run
        manager.event(VmEvent.now("fake", new VmEvent.Reset(false, "host-qmp-system-reset")));

        assertThat(calls).containsExactly("plug disk");
        assertThat(manager.list(vm)).extracting(PluggedDevice::name).containsExactly("disk");
        assertThat(fake.events).extracting(VmEvent::payload)
                .containsExactly(new VmEvent.DeviceDeleted("leaving", "/machine/peripheral/leaving"));
    }

    /** The race PciHotplugRaceTest found: a device listed but not yet plugged was plugged by the reset too. */
    @Test
    void aResetBetweenListingAndPluggingADeviceLeavesItPluggedOnce() {
        fake.spec = new VmSpec("fake", "/k", null, "", 1, 1, 64L << 20, Map.of());
        manager.addDriver(new RecordingDriver("virtio-blk-pci", AfterReset.PLUGGED_AGAIN));
        fake.before = () -> manager.machineBuilt(vm);

        manager.add(vm, "virtio-blk-pci", "disk", Map.of());

        assertThat(calls).containsExactly("plug disk");
        fake.before = () -> { };
        calls.clear();
        manager.machineBuilt(vm);
        assertThat(calls).as("the next reset plugs it again").containsExactly("plug disk");
    }

    @Test
    void aStoppedMachineTakesItsDevicesAlong() {
        manager.addDriver(rng);
        manager.add(vm, "virtio-rng-pci", "r1", Map.of());
        stop();
        assertThat(manager.list(vm)).isEmpty();
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r2", Map.of())).hasMessage("fake is not running (state stopped)");
        manager.event(VmEvent.now("fake", new VmEvent.Reset(false, "host-qmp-system-reset")));
        assertThat(manager.list(vm)).isEmpty();
    }

    /** As VirtualMachine stops: the state changes, then listeners hear of it. */
    private void stop() {
        synchronized (fake) {
            fake.state = VmState.STOPPED;
            manager.stateChanged(vm, VmState.RUNNING, VmState.STOPPED);
        }
    }

    /** As VirtualMachine starts: the machine is built (boot devices), then it runs. */
    private void start() {
        synchronized (fake) {
            manager.machineBuilt(vm);
            fake.state = VmState.RUNNING;
            manager.stateChanged(vm, VmState.STOPPED, VmState.RUNNING);
        }
    }

    /**
     * Issue 14, races: clients add and remove devices while the VM resets and stops, in random
     * interleavings. Whatever the order, the manager keeps no device of the stopped VM, and the
     * clients see nothing but VmExceptions.
     */
    @Test
    void deviceAddAndDelDuringResetAndStopLeaveNoDeviceOfTheStoppedVm() throws InterruptedException {
        manager.addDriver(rng);
        manager.addDriver(new RecordingDriver("host-x86_64-cpu", AfterReset.KEPT));
        fake.spec = new VmSpec("fake", "/k", null, "", 1, 1, 64L << 20, Map.of());
        fake.jitter = true;
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        Random seeds = new Random(14);
        for (int round = 0; round < 500; round++) {
            stop();
            start();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int client = 0; client < 3; client++) {
                Random random = new Random(seeds.nextLong());
                threads.add(new Thread(() -> {
                    await(go);
                    for (int step = 0; step < 6; step++) {
                        String id = "d" + random.nextInt(4);
                        try {
                            if (random.nextBoolean()) {
                                manager.add(vm, random.nextBoolean() ? "virtio-rng-pci" : "host-x86_64-cpu", id, Map.of());
                            } else {
                                manager.remove(vm, id);
                            }
                        } catch (VmException expected) {
                            // not running, duplicate id, no such device, removal pending
                        } catch (Throwable e) {
                            unexpected.add(e);
                        }
                    }
                }));
            }
            boolean reset = seeds.nextBoolean();
            threads.add(new Thread(() -> {
                await(go);
                if (reset) {
                    manager.event(VmEvent.now("fake", new VmEvent.Reset(false, "host-qmp-system-reset")));
                }
                Thread.yield();
                stop();
            }));
            threads.forEach(Thread::start);
            go.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            assertThat(unexpected).isEmpty();
            assertThat(manager.list(vm)).as("round %d", round).isEmpty();
        }
    }

    private static void await(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void bootDevicesArePluggedAtEveryBuildAndKeptAcrossAReset() {
        manager.addDriver(rng);
        fake.spec = new VmSpec("fake", "/k", null, "", 1, 1, 64L << 20,
                Map.of("device.1", "virtio-rng-pci,max-bytes=64", "device.0", "virtio-rng-pci,id=first"));

        manager.machineBuilt(vm);
        manager.event(VmEvent.now("fake", new VmEvent.Reset(false, "host-qmp-system-reset")));
        manager.machineBuilt(vm);

        assertThat(calls).containsExactly("plug first", "plug virtio-rng-pci1", "plug first", "plug virtio-rng-pci1");
        assertThat(manager.list(vm)).containsExactly(
                new PluggedDevice("first", "/machine/peripheral/first", "virtio-rng-pci", Map.of(), State.PRESENT),
                new PluggedDevice("virtio-rng-pci1", "/machine/peripheral/virtio-rng-pci1", "virtio-rng-pci",
                        Map.of("max-bytes", "64"), State.PRESENT));
    }

    /** Without the PCI hotplug controller the add fails before the driver opens anything, naming the feature. */
    @Test
    void aPciDeviceAddedWithoutTheHotplugControllerNamesTheFeatureThatBringsIt() {
        manager.addDriver(rng);
        fake.pciAcceptsPlug = false;
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r1", Map.of()))
                .hasMessage("not supported: adding a PCI device to a running guest: no pci hotplug controller runs");

        manager.setCatalog((kind, name) -> kind == FeatureCatalog.Kind.HOTPLUG_BUS && name.equals("pci")
                ? Optional.of(new FeatureCatalog.Provider("hotvisor-pci-vfio", true, List.of("io.hotvisor.pci-vfio")))
                : Optional.empty());
        assertThatThrownBy(() -> manager.add(vm, "virtio-rng-pci", "r1", Map.of()))
                .hasMessage("adding a PCI device to a running guest needs feature hotvisor-pci-vfio, which is installed"
                        + " but not active (bundle:start io.hotvisor.pci-vfio)");
        assertThat(calls).isEmpty();
        assertThat(manager.list(vm)).isEmpty();
    }

    @Test
    void aBootDeviceThatCannotBePluggedFailsTheBuildNamingIt() {
        manager.addDriver(rng);
        fake.spec = new VmSpec("fake", "/k", null, "", 1, 1, 64L << 20, Map.of("device.0", "virtio-rng-pci,id=r,bogus=1"));

        assertThatThrownBy(() -> manager.machineBuilt(vm))
                .hasMessage("boot device r (virtio-rng-pci): Property 'bogus' not found");
    }

    /** Only what the device manager touches: name, state, spec, publish, whileRunning and the PCI bus's plug check. */
    private static final class FakeVm implements InvocationHandler {
        volatile VmState state = VmState.RUNNING;
        /** Whether the PCI bus takes a device now (a hotplug controller is attached). */
        volatile boolean pciAcceptsPlug = true;
        /** Yield at random on state reads, to shuffle the interleavings of a race. */
        volatile boolean jitter;
        volatile VmSpec spec;
        /** Runs under the lifecycle lock before a change: a reset that took the lock first. */
        volatile Runnable before = () -> { };
        final List<VmEvent> events = new CopyOnWriteArrayList<>();
        final Vm proxy = (Vm) Proxy.newProxyInstance(Vm.class.getClassLoader(), new Class<?>[] {Vm.class}, this);

        @Override
        @SuppressWarnings("unchecked")
        public Object invoke(Object self, Method method, Object[] args) {
            switch (method.getName()) {
                case "name":
                    return "fake";
                case "state":
                    if (jitter && ThreadLocalRandom.current().nextBoolean()) {
                        Thread.yield();
                    }
                    return state;
                case "spec":
                    return spec;
                case "publish":
                    events.add(VmEvent.now("fake", (VmEvent.Payload) args[0]));
                    return null;
                case "whileRunning":
                    synchronized (this) { // the lifecycle lock, as stop() and start() below take it
                        if (!state.isActive()) {
                            throw new VmException("fake is not running (state " + state.label() + ")");
                        }
                        before.run();
                        ((Runnable) args[0]).run();
                    }
                    return null;
                case "pci":
                    return Proxy.newProxyInstance(PciBus.class.getClassLoader(), new Class<?>[] {PciBus.class},
                            (bus, busMethod, busArgs) -> {
                                if (busMethod.getName().equals("acceptsPlug")) {
                                    return pciAcceptsPlug;
                                }
                                throw new UnsupportedOperationException(busMethod.getName());
                            });
                default:
                    throw new UnsupportedOperationException(method.getName());
            }
        }
    }
}
