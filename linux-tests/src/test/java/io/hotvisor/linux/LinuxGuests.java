package io.hotvisor.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.cpuhotplug.CpuHotplugService;
import io.hotvisor.cpuhotplug.HotplugMachine;
import io.hotvisor.memhotplug.DimmDeviceDriver;
import io.hotvisor.memhotplug.MemHotplugService;
import io.hotvisor.pci.hotplug.PciHotplugService;
import io.hotvisor.pci.vfio.VfioPciDriver;
import io.hotvisor.virtio.VirtioBlkDriver;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.virtio.VirtioNetDriver;
import io.hotvisor.virtio.VirtioRngDriver;
import io.hotvisor.virtio.VirtioSerialDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmConsole;
import io.hotvisor.vmm.api.VmEvent;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.manager.DeviceManagerImpl;
import io.hotvisor.vmm.manager.HostNetworkService;
import io.hotvisor.vmm.manager.HostVfioService;
import io.hotvisor.vmm.manager.VmManagerImpl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit extension that gives a test class its Linux guests, on a {@link HotplugMachine}: the
 * services a Karaf container would wire (VM manager with the GED, CPU, memory and PCI hotplug capabilities,
 * device manager), wired by hand (VMs under {@code DATA_DIR/TestClass/NAME/console.log}).
 * Inject {@link Guests} into {@code @BeforeAll}/{@code @Test} methods; the VMs are destroyed
 * after the class. Any exception a test or lifecycle method throws is rethrown as an
 * AssertionError that carries the last 50 console lines of every guest of the class.
 */
public final class LinuxGuests implements ParameterResolver, TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {
    /** Boot to the shell: 20 s in an idle lab, 35-55 s contended; a hung boot fails here. */
    public static final Duration BOOT = Duration.ofSeconds(240);
    /** How long a PCI device may take to appear in or leave the guest. */
    static final Duration PCI_HOTPLUG = Duration.ofSeconds(60);
    private static final Duration CLOSE = Duration.ofSeconds(60);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LinuxGuests.class);

    /** The per-class state. */
    public static final class Guests implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final Path dataDir;
        private final HotplugMachine machine;
        private final MemHotplugService memHotplug;
        private final PciHotplugService pciHotplug;
        private final List<GuestConsole> consoles = new CopyOnWriteArrayList<>();

        Guests(String owner) {
            dataDir = LinuxKit.get().dataDir().resolve(owner);
            machine = new HotplugMachine(dataDir);
            machine.devices.addDriver(new VirtioBlkDriver());
            machine.devices.addDriver(new VirtioRngDriver());
            machine.devices.addDriver(new VirtioNetDriver(new HostNetworkService()));
            machine.devices.addDriver(new VirtioSerialDriver());
            machine.devices.addDriver(new VfioPciDriver(new HostVfioService(), Map.of()));
            memHotplug = new MemHotplugService(machine.ged, machine.devices);
            machine.manager.addListener(memHotplug);
            machine.manager.addCapability(memHotplug);
            machine.devices.addDriver(new DimmDeviceDriver(memHotplug));
            pciHotplug = new PciHotplugService(machine.ged, machine.devices);
            machine.manager.addListener(pciHotplug);
            machine.manager.addCapability(pciHotplug);
        }

        /** Where a test class keeps its files (disk images, logs). */
        public Path dataDir() {
            return dataDir;
        }

        /** Boots the guest kit's kernel and initramfs and waits for its shell. */
        public LinuxGuest boot(String name, int vcpus, int maxVcpus, long memoryBytes) {
            return boot(name, LinuxKit.get().kernel(), vcpus, maxVcpus, memoryBytes, Map.of(), "", null);
        }

        /** Boots the kit with VM options, such as boot-time devices ({@code device.N}). */
        public LinuxGuest boot(String name, int vcpus, long memoryBytes, Map<String, String> options) {
            return boot(name, LinuxKit.get().kernel(), vcpus, vcpus, memoryBytes, options, "", null);
        }

        /** Boots the kit with VM options and words added to the kit's kernel command line. */
        public LinuxGuest boot(String name, int vcpus, long memoryBytes, Map<String, String> options, String cmdline) {
            return boot(name, LinuxKit.get().kernel(), vcpus, vcpus, memoryBytes, options, cmdline, null);
        }

        /** Boots {@code kernel} (vmlinux or bzImage) with the kit's initramfs and waits for its shell. */
        public LinuxGuest boot(String name, Path kernel, int vcpus, int maxVcpus, long memoryBytes) {
            return boot(name, kernel, vcpus, maxVcpus, memoryBytes, Map.of(), "", null);
        }

        /**
         * Boots the kit with VM options, words added to its command line, and {@code listener} on
         * its console from before the start (it sees every byte as it comes: the benchmarks time
         * lines with it).
         */
        public LinuxGuest boot(String name, int vcpus, int maxVcpus, long memoryBytes, Map<String, String> options,
                               String extraCmdline, VmConsole.Listener listener) {
            return boot(name, LinuxKit.get().kernel(), vcpus, maxVcpus, memoryBytes, options, extraCmdline, listener);
        }

        private LinuxGuest boot(String name, Path kernel, int vcpus, int maxVcpus, long memoryBytes,
                                Map<String, String> options, String extraCmdline, VmConsole.Listener listener) {
            LinuxKit kit = LinuxKit.get();
            Vm vm = machine.manager.create(new VmSpec(name, kernel.toString(), kit.initrd().toString(),
                    (kit.cmdline() + " " + extraCmdline).strip(), vcpus, maxVcpus, memoryBytes, options));
            GuestConsole console = GuestConsole.attach(vm).prompt(kit.prompt());
            consoles.add(console);
            if (listener != null) {
                vm.console().attach(listener);
            }
            long start = System.nanoTime();
            vm.start();
            console.waitFor(kit.marker(), BOOT);
            Duration toMarker = Duration.ofNanos(System.nanoTime() - start);
            console.waitFor(kit.prompt(), BOOT);
            Duration bootTime = Duration.ofNanos(System.nanoTime() - start);
            Timings.record("l2-linux-boot-to-marker[" + name + ", " + vcpus + " vCPUs, " + (memoryBytes >> 20) + " MiB, "
                    + kernel.getFileName() + "]", toMarker);
            return new LinuxGuest(vm, console, bootTime);
        }

        /** Creates (not starts) a probe-guest VM with a console harness attached. */
        public GuestConsole probe(String name, String cmdline, int vcpus) {
            return probe(name, cmdline, vcpus, Map.of());
        }

        /** A probe-guest VM with VM options, such as a memory hotplug region. */
        public GuestConsole probe(String name, String cmdline, int vcpus, Map<String, String> options) {
            Vm vm = machine.manager.create(new VmSpec(name, LinuxKit.get().probeImage().toString(), null, cmdline,
                    vcpus, vcpus, 64L << 20, options));
            GuestConsole console = GuestConsole.attach(vm);
            consoles.add(console);
            return console;
        }

        public VmManagerImpl manager() {
            return machine.manager;
        }

        public DeviceManagerImpl devices() {
            return machine.devices;
        }

        public PciHotplugService pciHotplug() {
            return pciHotplug;
        }

        /**
         * Adds a PCI device to a running guest and waits until the guest's sysfs shows it bound to a
         * driver; returns its PCI address. The time is recorded.
         */
        public String plugPci(LinuxGuest guest, String driver, String id, Map<String, Object> properties) {
            long start = System.nanoTime();
            PluggedDevice device = devices().add(guest.vm(), driver, id, properties);
            String address = devices().describe(guest.vm(), device).address();
            guest.waitUntil("[ -e /sys/bus/pci/devices/" + address + "/driver ]", PCI_HOTPLUG);
            Timings.record("l2-pci-hot-add-to-driver[" + driver + "]", Duration.ofNanos(System.nanoTime() - start));
            return address;
        }

        /** Removes a PCI device and waits for DEVICE_DELETED; then neither the guest nor the bus has it. */
        public void unplugPci(LinuxGuest guest, String id, String address) throws InterruptedException {
            long start = System.nanoTime();
            devices().remove(guest.vm(), id);
            awaitEvent(new VmEvent.DeviceDeleted(id, PluggedDevice.PERIPHERAL + id), PCI_HOTPLUG);
            Timings.record("l2-pci-device-del-to-deleted[" + id + "]", Duration.ofNanos(System.nanoTime() - start));
            assertThat(guest.sh("[ -e /sys/bus/pci/devices/" + address + " ] && echo present || echo gone")).isEqualTo("gone");
            assertThat(guest.vm().pci().slots()).noneMatch(slot -> slot.address().toString().equals(address));
        }

        public CpuHotplugService cpuHotplug() {
            return machine.cpuHotplug;
        }

        /** Waits until an event with {@code expected} as its payload was published. */
        public void awaitEvent(VmEvent.Payload expected, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (events().stream().noneMatch(event -> event.payload().equals(expected))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no event " + expected + " within " + timeout.toSeconds() + " s");
                }
                Thread.sleep(20);
            }
        }

        /** Every VM event so far, oldest first. */
        public List<VmEvent> events() {
            return machine.events;
        }

        String describeAll() {
            StringBuilder sb = new StringBuilder();
            for (GuestConsole console : consoles) {
                sb.append(console.describe());
            }
            return sb.toString();
        }

        @Override
        public void close() {
            for (GuestConsole console : consoles) {
                console.close();
                Path file = dataDir.resolve(console.vmName()).resolve("transcript.log");
                try {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, console.transcript(), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    System.err.println("cannot write " + file + ": " + e);
                }
            }
            // Bounded: a VMM stuck in a timed-out test must not hang the rest of the run.
            Thread closer = new Thread(machine::close, "close-" + dataDir.getFileName());
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(CLOSE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closer.isAlive()) {
                System.err.println("*** the VM manager of " + dataDir.getFileName() + " did not close within "
                        + CLOSE.toSeconds() + " s; going on" + threadDump());
            }
        }
    }

    /** The test class's guests, also from a method or a parameterized invocation of it. */
    private static Guests guests(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        ExtensionContext classContext = c;
        return classContext.getStore(NS).getOrComputeIfAbsent(Guests.class,
                key -> new Guests(classContext.getRequiredTestClass().getSimpleName()), Guests.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Guests.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return guests(context);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw withConsoles(context, throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withConsoles(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withConsoles(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withConsoles(context, throwable);
    }

    private static Throwable withConsoles(ExtensionContext context, Throwable throwable) {
        String consoles = guests(context).describeAll();
        String threads = throwable instanceof TimeoutException ? threadDump() : "";
        if ((consoles.isEmpty() || String.valueOf(throwable.getMessage()).contains("--- end of console of "))
                && threads.isEmpty()) {
            return throwable; // no guest yet, or GuestConsole already attached its console
        }
        AssertionError error = new AssertionError(throwable.getMessage() + consoles + threads, throwable);
        error.setStackTrace(throwable.getStackTrace());
        return error;
    }

    /** Every thread's stack: where a timed-out test (or the VMM under it) was stuck. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder("\n--- threads ---\n");
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            sb.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : stack) {
                sb.append("    at ").append(frame).append('\n');
            }
        });
        return sb.append("--- end of threads ---").toString();
    }
}
