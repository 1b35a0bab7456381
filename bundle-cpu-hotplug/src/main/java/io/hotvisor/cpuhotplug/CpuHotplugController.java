package io.hotvisor.cpuhotplug;

import static io.hotvisor.cpuhotplug.CpuControllerRegisters.COMMAND;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.COMMAND_ARCH_ID;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.COMMAND_NEXT_WITH_EVENT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.COMMAND_OST_EVENT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.COMMAND_OST_STATUS;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.CONTROL_CLEAR_INSERT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.CONTROL_CLEAR_REMOVE;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.CONTROL_EJECT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.DATA;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.FLAGS;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.FLAG_ENABLED;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.FLAG_INSERT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.FLAG_REMOVE;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.LENGTH;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.OST_INSERT;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.OST_SUCCESS;
import static io.hotvisor.cpuhotplug.CpuControllerRegisters.SELECTOR;

import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.MmioDevice;
import io.hotvisor.vmm.api.VmException;
import java.util.OptionalInt;

/**
 * The state machine behind one VM's CPU hotplug register block: selector, command, per-CPU insert
 * and remove events, OST codes. It decides and records; {@link Actions} carries the decisions out
 * (plugging and parking vCPUs, GED interrupts, events), so it can be tested without a VM.
 */
final class CpuHotplugController implements MmioDevice {
    /** What the controller asks of the VM. */
    interface Actions {
        boolean present(int cpu);

        void plug(int cpu);

        /** The VMM asked the guest to eject a CPU (recorded before the guest hears of it). */
        void removalRequested(int cpu);

        /** The guest ejected a CPU the VMM had asked it to remove. */
        void ejected(int cpu);

        /** The guest reported an _OST code for a CPU. */
        void ost(int cpu, int event, int status);

        void notifyGuest();
    }

    private final Actions actions;
    private final int maxCpus;
    private int selector;
    private int command;
    private int ostEvent;
    private final boolean[] inserting;
    private final boolean[] removing;
    /** CPUs the VMM asked the guest to eject: the only ones the guest may eject. */
    private final boolean[] ejectRequested;

    CpuHotplugController(int maxCpus, Actions actions) {
        this.actions = actions;
        this.maxCpus = maxCpus;
        this.inserting = new boolean[maxCpus];
        this.removing = new boolean[maxCpus];
        this.ejectRequested = new boolean[maxCpus];
    }

    CpuHotplugController(CpuHotplugState state, Actions actions) {
        this(state.inserting().length, actions);
        selector = state.selector();
        command = state.command();
        ostEvent = state.ostEvent();
        System.arraycopy(state.inserting(), 0, inserting, 0, maxCpus);
        System.arraycopy(state.removing(), 0, removing, 0, maxCpus);
        System.arraycopy(state.ejectRequested(), 0, ejectRequested, 0, maxCpus);
    }

    synchronized CpuHotplugState state() {
        return new CpuHotplugState(CpuHotplugState.VERSION, selector, command, ostEvent, inserting.clone(),
                removing.clone(), ejectRequested.clone());
    }

    // Requests from the host

    /**
     * The CPU an add of {@code requested} would plug: itself if absent, the lowest absent one for
     * {@link CpuHotplug#LOWEST_ABSENT}.
     */
    synchronized int absentCpu(int requested) {
        int cpu = requested != CpuHotplug.LOWEST_ABSENT ? requested : lowestAbsent().orElseThrow(() -> new VmException(
                "all " + maxCpus + " possible CPUs are present (max-vcpus)"));
        checkRange(cpu);
        if (actions.present(cpu)) {
            throw new VmException("CPU " + cpu + " is already present");
        }
        return cpu;
    }

    /** Plugs a CPU (the lowest absent one for {@link CpuHotplug#LOWEST_ABSENT}) and raises the insert event. */
    int add(int requested) {
        int cpu;
        synchronized (this) {
            cpu = absentCpu(requested);
            actions.plug(cpu);
            inserting[cpu] = true;
        }
        actions.notifyGuest();
        return cpu;
    }

    /** Asks the guest to eject a CPU. One removal at a time; never CPU 0. */
    void remove(int cpu) {
        synchronized (this) {
            checkRange(cpu);
            if (cpu == 0) {
                throw new VmException("CPU 0 cannot be removed");
            }
            if (!actions.present(cpu)) {
                throw new VmException("CPU " + cpu + " is not present");
            }
            OptionalInt pending = pendingRemoval();
            if (pending.isPresent()) {
                throw new VmException("the removal of CPU " + pending.getAsInt() + " is still pending");
            }
            removing[cpu] = true;
            ejectRequested[cpu] = true;
            actions.removalRequested(cpu);
        }
        actions.notifyGuest();
    }

    synchronized OptionalInt pendingRemoval() {
        for (int cpu = 0; cpu < maxCpus; cpu++) {
            if (ejectRequested[cpu]) {
                return OptionalInt.of(cpu);
            }
        }
        return OptionalInt.empty();
    }

    private OptionalInt lowestAbsent() {
        for (int cpu = 0; cpu < maxCpus; cpu++) {
            if (!actions.present(cpu)) {
                return OptionalInt.of(cpu);
            }
        }
        return OptionalInt.empty();
    }

    private void checkRange(int cpu) {
        if (cpu < 0) {
            throw new VmException("there is no CPU " + cpu + ": possible CPUs are 0.." + (maxCpus - 1));
        }
        if (cpu >= maxCpus) {
            throw new VmException("CPU " + cpu + " is beyond max-vcpus: possible CPUs are 0.." + (maxCpus - 1));
        }
    }

    // The guest's register accesses

    /**
     * Each byte as the register layout has it, whatever the access size (an 8-byte read spans two
     * registers); bytes past the block read all-ones, as the memory hotplug block's.
     */
    @Override
    public synchronized void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at >= 0 && at < LENGTH ? registerByte((int) at) : (byte) 0xFF;
        }
    }

    private byte registerByte(int at) {
        return switch (at) {
            case FLAGS -> (byte) flags(selector);
            case DATA, DATA + 1, DATA + 2, DATA + 3 -> (byte) (commandData() >>> (8 * (at - DATA)));
            default -> 0; // command data 2 (upper arch id bits), the command byte and reserved bytes
        };
    }

    private int commandData() {
        return switch (command) {
            case COMMAND_NEXT_WITH_EVENT -> selector;
            case COMMAND_ARCH_ID -> selector; // x86: the APIC id, which equals the selector
            default -> 0;
        };
    }

    private int flags(int cpu) {
        return (actions.present(cpu) ? FLAG_ENABLED : 0) | (inserting[cpu] ? FLAG_INSERT : 0)
                | (removing[cpu] ? FLAG_REMOVE : 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length == 0 || data.length > 4) {
            return; // the block takes 1 to 4 byte accesses, as QEMU's
        }
        int value = MmioDevice.littleEndian(data);
        Runnable after = null;
        synchronized (this) {
            switch ((int) offset) {
                case SELECTOR -> {
                    if (data.length == 4 && value >= 0 && value < maxCpus) {
                        selector = value; // an invalid selector is ignored, so the last valid one stays
                    }
                }
                case FLAGS -> after = control(value & 0xFF);
                case COMMAND -> {
                    command = value & 0xFF;
                    if (command == COMMAND_NEXT_WITH_EVENT) {
                        selectNextWithEvent();
                    }
                }
                case DATA -> after = commandData(value);
                default -> {
                    // reserved: ignored
                }
            }
        }
        if (after != null) {
            after.run();
        }
    }

    private void selectNextWithEvent() {
        for (int step = 0; step < maxCpus; step++) {
            int cpu = (selector + step) % maxCpus;
            if (inserting[cpu] || removing[cpu]) {
                selector = cpu;
                return;
            }
        }
    }

    /** Control writes; returns what to do once the lock is released (vCPU parking waits). */
    private Runnable control(int bits) {
        int cpu = selector;
        if ((bits & CONTROL_CLEAR_INSERT) != 0) {
            inserting[cpu] = false;
        }
        if ((bits & CONTROL_CLEAR_REMOVE) != 0) {
            removing[cpu] = false;
        }
        if ((bits & CONTROL_EJECT) != 0 && cpu != 0 && ejectRequested[cpu]) {
            ejectRequested[cpu] = false;
            return () -> actions.ejected(cpu);
        }
        return null;
    }

    private Runnable commandData(int value) {
        if (command == COMMAND_OST_EVENT) {
            ostEvent = value;
        } else if (command == COMMAND_OST_STATUS) {
            int cpu = selector;
            int event = ostEvent;
            return () -> actions.ost(cpu, event, value);
        }
        return null;
    }

    static boolean insertSucceeded(int event, int status) {
        return event == OST_INSERT && status == OST_SUCCESS;
    }
}
