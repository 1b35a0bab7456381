package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VcpuInfo;

/**
 * Each plugged vCPU's registers, for the report of a guest that stopped answering: where it
 * spins, whether it halted, or that its vCPU would not even leave KVM_RUN (a wedge below us);
 * and the sign of the lab's emulator fault (lab/README.md).
 */
public final class VcpuDump {
    private static final long UPPER_HALF = 0xffff800000000000L;

    private VcpuDump() {
    }

    public static String of(Vm vm) {
        StringBuilder dump = new StringBuilder();
        try {
            for (VcpuInfo cpu : vm.cpus().list()) {
                if (!cpu.plugged()) {
                    continue;
                }
                dump.append("CPU#").append(cpu.id()).append(" (").append(cpu.state().label()).append(")\n");
                try {
                    dump.append(vm.cpus().registers(cpu.id()).format());
                } catch (RuntimeException e) {
                    dump.append(e.getMessage()).append('\n');
                }
            }
        } catch (RuntimeException e) {
            dump.append("no vCPUs to read: ").append(e.getMessage()).append('\n');
        }
        return dump.toString();
    }

    /**
     * Whether a vCPU holds L1's state instead of the guest's: an RIP in the upper half, where the
     * probe guest never runs and L1's kernel does (the lab's emulator fault, lab/README.md).
     */
    public static boolean holdsL1State(Vm vm) {
        try {
            for (VcpuInfo cpu : vm.cpus().list()) {
                if (cpu.plugged() && Long.compareUnsigned(vm.cpus().registers(cpu.id()).rip(), UPPER_HALF) >= 0) {
                    return true;
                }
            }
        } catch (RuntimeException e) {
            return false; // unreadable: no sign either way
        }
        return false;
    }
}
