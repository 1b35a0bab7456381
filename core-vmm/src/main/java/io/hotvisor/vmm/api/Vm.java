package io.hotvisor.vmm.api;

import io.hotvisor.vmm.api.acpi.AcpiTable;
import io.hotvisor.vmm.api.memory.MemoryBackends;
import io.hotvisor.vmm.api.memory.VmMemory;
import io.hotvisor.vmm.api.pci.PciBus;
import io.hotvisor.vmm.api.virtio.VirtioBus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A virtual machine as frontends and capabilities see it. */
public interface Vm {
    String name();

    VmSpec spec();

    VmState state();

    /** Time since the guest was last started; zero when it is not running or paused. */
    Duration uptime();

    /**
     * The vCPUs plugged now (CPU hotplug changes them); the boot count, {@code spec().vcpus()},
     * while the machine is down.
     */
    int currentVcpus();

    /** Guest RAM in bytes now; the boot size, {@code spec().memory()}, while the machine is down. */
    long currentMemory();

    /** Why the VM is in state {@link VmState#FAILED}. */
    Optional<String> failure();

    /** Boots the guest (from CREATED, STOPPED, SHUTDOWN or FAILED). */
    void start();

    /** Stops the guest and releases its KVM resources; {@link #start()} boots it again. */
    void stop();

    /**
     * Stops the guest like {@link #stop()}; its SHUTDOWN event carries {@code reason} (QEMU's
     * ShutdownCause names, e.g. {@code host-qmp-quit}; {@link #stop()} says {@code host-ui}).
     */
    void stop(String reason);

    void pause();

    void resume();

    /** Reboots the guest as a hardware reset would (the image is loaded again). */
    void reset();

    /**
     * Runs {@code change} on the running machine with no start, stop or reset under way or able
     * to begin until it is done, so that a device plug lands wholly in one machine; fails with a
     * {@link VmException} when the VM is not running. Not from a vCPU thread.
     */
    void whileRunning(Runnable change);

    VmConsole console();

    /** The VM's own directory ({@code DATA/hotvisor/NAME}) for its files and sockets. */
    java.nio.file.Path dataDirectory();

    /** The ACPI tables of the running machine, RSDP first; empty when it is not running. */
    List<AcpiTable> acpiTables();

    /** The vCPUs of the running machine; fails when the VM is not running. */
    VcpuControl cpus();

    /** Bus 0 of the running machine's PCIe host bridge; fails when the VM is not running. */
    PciBus pci();

    /** Virtio devices on the running machine's PCI bus; fails when the VM is not running. */
    VirtioBus virtio();

    /**
     * The running machine's RAM: bounds-checked access for device DMA, and regions plugged at run
     * time; fails when the VM is not running.
     */
    VmMemory memory();

    /** The VM's memory backends (QMP's memory-backend-* objects); they outlive machines. */
    MemoryBackends memoryBackends();

    /** The running machine's MSI routing; fails when the VM is not running. */
    Interrupts interrupts();

    /** The running machine's I/O thread; fails when the VM is not running. */
    IoLoop ioLoop();

    /** The running machine's ioeventfds; fails when the VM is not running. */
    IoEvents ioEvents();

    /** Per-VM state that capabilities keep across their own updates. */
    StateVault vault();

    /** An interrupt input of the running machine's irqchip (a no-op while it does not run). */
    InterruptLine interruptLine(int gsi);

    /**
     * The last ACPI {@code _OST} report per hotplug slot since the machine started, as QMP's
     * {@code query-acpi-ospm-status} lists them (the {@code info} of ACPI_DEVICE_OST events).
     */
    List<VmEvent.OstInfo> acpiOspmStatus();

    /** Publishes an event of this VM to every listener (QMP, JMX, Event Admin). */
    void publish(VmEvent.Payload event);

    /** The guest's writes to the debug port 0x80 since the last start, oldest first. */
    List<BootMarker> bootMarkers();
}
