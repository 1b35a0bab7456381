package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.acpi.AcpiMachine;
import io.hotvisor.vmm.acpi.AcpiTables;
import io.hotvisor.vmm.acpi.PciHostBridge;
import io.hotvisor.vmm.api.AmlContributor;
import io.hotvisor.vmm.api.BootMarker;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.IoEvents;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.MachineCapability;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.PioDevice;
import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.virtio.VirtioBus;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.arch.BootMsrs;
import io.hotvisor.vmm.arch.CpuTopology;
import io.hotvisor.vmm.arch.Layout;
import io.hotvisor.vmm.arch.MemoryMap;
import io.hotvisor.vmm.arch.ResetVector;
import io.hotvisor.vmm.arch.KernelBoot;
import io.hotvisor.vmm.boot.KernelImage;
import io.hotvisor.vmm.devices.AcpiSleepReset;
import io.hotvisor.vmm.devices.DebugPort;
import io.hotvisor.vmm.devices.I8042;
import io.hotvisor.vmm.devices.IoBus;
import io.hotvisor.vmm.devices.PmTimer;
import io.hotvisor.vmm.devices.Serial16550;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.VmMemory;
import io.hotvisor.vmm.memory.GuestRam;
import io.hotvisor.vmm.memory.MemorySlots;
import io.hotvisor.vmm.memory.MmapRegion;
import io.hotvisor.vmm.pci.PciRootBus;
import io.hotvisor.vmm.virtio.VirtioPciTransport;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One boot of a VM: the KVM VM, its RAM, vCPUs, buses and devices, loaded and ready to run.
 * A stop or reset closes it and a start builds a new one (KVM has no whole-VM reset). It owns
 * every fd, mapping and thread it creates and releases them all on {@link #close()}.
 */
final class Machine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Machine.class);
    private final String name;
    private final VmFd vmFd;
    private final GuestRam ram;
    private final Vcpus vcpus;
    private final PlatformRegisters platformRegisters;
    private final List<MachineCapability> capabilities;
    private final IoBus<PioDevice> pio = new IoBus<>("I/O port bus");
    private final IoBus<MmioDevice> mmio = new IoBus<>("MMIO bus");
    private final PciHostBridge pciHostBridge;
    private final PciRootBus pci;
    private final InterruptRouting interrupts;
    private final IoEventFds ioEvents;
    private final IoThread ioThread;
    private final Contribution contribution;
    /** Every fd, mapping and thread this machine created, newest first. */
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final Serial16550 serial;
    private final DebugPort debugPort;
    private final AcpiTables acpiTables;
    private final long startNanos = System.nanoTime();

    /** A machine whose vCPUs {@code presentCpus} (vCPU 0 among them) exist at boot. */
    Machine(Kvm kvm, Vm vm, KernelImage kernel, Set<Integer> presentCpus, List<MachineCapability> capabilities,
            List<AmlContributor> contributors, SerialConsole console, GuestEvents events) {
        VmSpec spec = vm.spec();
        this.name = spec.name();
        this.capabilities = capabilities.stream()
                .sorted(Comparator.comparingInt(MachineCapability::contributionOrder)).toList();
        this.platformRegisters = new PlatformRegisters(mmio);
        // Capabilities contribute first: the hotplug region they ask for decides where the 64-bit PCI window goes.
        this.contribution = new Contribution(platformRegisters, spec.memory());
        for (MachineCapability capability : this.capabilities) {
            capability.contribute(vm, contribution);
        }
        MemoryMap map = new MemoryMap(spec.memory(), contribution.hotplugBytes());
        this.pciHostBridge = PciHostBridge.bus0(map.pciMmio64Window());
        try {
            // RAM first, so that it is unmapped last: after the vCPUs and the I/O thread stopped.
            this.ram = own(GuestRam.map(map.ramStarts(), map.ramSizes()));
            this.vmFd = own(kvm.createVm());
            vmFd.setTssAddress(Layout.TSS_ADDR);
            vmFd.setIdentityMapAddress(Layout.IDENTITY_MAP_ADDR);
            vmFd.createIrqchip();
            vmFd.createPit2();
            this.ioThread = own(new IoThread(spec.name()));
            ram.attach(vmFd::setUserMemoryRegion, new MemorySlots(kvm.checkExtension(KvmAbi.KVM_CAP_NR_MEMSLOTS)),
                    this::afterInFlightIo, map.hotplugRegion().map(range -> new GuestRegion(GuestAddress.of(range.base()),
                            range.size(), 0, Optional.empty())));
            this.interrupts = own(InterruptRouting.of(kvm, vmFd));
            this.ioEvents = new IoEventFds(vmFd);
            this.pci = own(new PciRootBus(pciHostBridge, mmio, pio, this::interruptLine, ram.deviceMemory()));
            this.vcpus = own(new Vcpus(spec.name(), spec.maxVcpus(), vmFd::createVcpu,
                    new CpuTopology(kvm.supportedCpuid(), spec.maxVcpus()), new BootMsrs(kvm.msrIndexList()), pio, mmio,
                    events));
            this.serial = new Serial16550(interruptLine(Layout.COM1_GSI), console::output);
            this.debugPort = new DebugPort(() -> System.nanoTime() - startNanos);
            pio.register(Layout.PORT_COM1, 8, serial);
            pio.register(Layout.PORT_I8042_DATA, 5, new I8042(() -> events.resetRequested("i8042 reset")));
            pio.register(Layout.PORT_DEBUG, 1, debugPort);
            pio.register(Layout.PORT_ACPI_SLEEP_RESET, 1, new AcpiSleepReset(
                    () -> events.resetRequested("ACPI reset register"), () -> events.shutdownRequested("ACPI S5")));
            pio.register(Layout.PORT_ACPI_PM_TIMER, 4, new PmTimer(() -> System.nanoTime() - startNanos));

            this.acpiTables = buildAcpiTables(vm, presentCpus, contributors, map);
            acpiTables.writeTo(ram);
            ResetVector.writeTo(ram);
            KernelBoot.Entry entry = KernelBoot.load(ram, kernel,
                    spec.initrd() == null ? null : Path.of(spec.initrd()), spec.cmdline(), map, acpiTables.rsdpAddress());

            for (int id : new TreeSet<>(presentCpus)) {
                VcpuFd vcpu = vcpus.create(id);
                if (id == 0) {
                    vcpu.setMpState(KvmAbi.KVM_MP_STATE_RUNNABLE);
                    entry.enter(vcpu);
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.push(resource);
        return resource;
    }

    private AcpiTables buildAcpiTables(Vm vm, Set<Integer> presentCpus, List<AmlContributor> contributors, MemoryMap map) {
        AcpiMachine.Builder acpi = AcpiMachine.builder(presentCpus, vm.spec().maxVcpus()).pciHostBridge(pciHostBridge);
        for (MmapRegion region : ram.bootRegions()) {
            acpi.ram(region.start().value(), region.size());
        }
        map.hotplugRegion().ifPresent(region -> acpi.hotplugRegion(region.base(), region.size()));
        for (AmlContributor contributor : contributors) {
            contribution.dsdt(contributor.dsdt(vm));
            contributor.madtEntries(vm).forEach(contribution::madtEntry);
            contributor.sratEntries(vm).forEach(contribution::sratEntry);
        }
        acpi.dsdt(contribution.dsdt);
        contribution.madt.forEach(acpi::madtEntry);
        contribution.srat.forEach(acpi::sratEntry);
        return AcpiTables.build(acpi.build());
    }

    List<AcpiTable> acpiTables() {
        return acpiTables.tables();
    }

    /** Slot type → count of the hotplug slots the capabilities declared, in their order. */
    Map<String, Integer> ospmSlots() {
        return contribution.ospmSlots;
    }

    /** The capabilities this machine was built with. */
    List<MachineCapability> capabilities() {
        return capabilities;
    }

    Optional<RegisterPage> registerPage(String capability) {
        return platformRegisters.registered(capability);
    }

    GuestAddress registerPageAddress(String capability) {
        return platformRegisters.page(capability);
    }

    VcpuControl vcpus() {
        return vcpus;
    }

    PciBus pci() {
        return pci;
    }

    VmMemory memory() {
        return ram;
    }

    /**
     * Runs {@code task} once the I/O under way is done: queued behind it on the I/O thread, or at
     * once when that thread is gone (nothing runs on it any more).
     */
    private void afterInFlightIo(Runnable task) {
        try {
            ioThread.execute(task);
        } catch (VmException closed) {
            task.run();
        }
    }

    Interrupts interrupts() {
        return interrupts;
    }

    IoLoop ioLoop() {
        return ioThread;
    }

    IoEvents ioEvents() {
        return ioEvents;
    }

    /** Virtio devices behind the transport; a device the driver breaks reports through {@code errors}. */
    VirtioBus virtio(Consumer<String> errors) {
        return (pluggedDeviceId, device, slot) -> {
            VirtioPciTransport transport;
            try {
                transport = new VirtioPciTransport(pluggedDeviceId, device, ram, interrupts, ioThread, ioEvents,
                        errors);
            } catch (RuntimeException e) {
                device.close();
                throw e;
            }
            try {
                return pci.plug(transport, slot);
            } catch (RuntimeException e) {
                transport.removed();
                throw e;
            }
        };
    }

    InterruptLine interruptLine(int gsi) {
        return InterruptLine.of(gsi, asserted -> vmFd.irqLine(gsi, asserted));
    }

    void start() {
        pci.guestStarted();
        vcpus.start();
    }

    void pause() {
        vcpus.pauseAll();
    }

    void resume() {
        vcpus.resumeAll();
    }

    void receiveConsoleInput(byte[] bytes) {
        serial.receive(bytes);
    }

    List<BootMarker> bootMarkers() {
        return debugPort.markers();
    }

    long startNanos() {
        return startNanos;
    }

    /**
     * Releases what the machine owns, newest first: vCPU threads stop, then the I/O thread, then
     * the devices leave the bus, their interrupt routes go, the VM fd closes and RAM is unmapped.
     * If a vCPU thread outlives its bounded stop, everything after the vCPUs stays until that thread
     * ends (the thread may still use RAM, devices or the VM fd), is released then, and this throws
     * a {@link Vcpus.StillRunningException} that completes after that.
     */
    @Override
    public void close() {
        while (!owned.isEmpty()) {
            AutoCloseable resource = owned.pop();
            try {
                resource.close();
            } catch (Vcpus.StillRunningException e) {
                LOG.error("{}; the machine is released when they end", e.getMessage());
                throw new Vcpus.StillRunningException(e.getMessage(), e.released().whenComplete((ignored, failure) -> {
                    close();
                    LOG.info("VM {}: the late vCPU threads ended, and their machine is released", name);
                }));
            } catch (Exception e) {
                LOG.error("closing {} failed; going on with the rest", resource, e);
            }
        }
    }
}
