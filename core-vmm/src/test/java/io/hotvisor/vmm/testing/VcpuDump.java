package io.hotvisor.vmm.testing;

import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VcpuInfo;

/**
 * Each plugged vCPU's registers, for the report of a guest that stopped answering: where it
 * spins, whether it halted, or that its vCPU would not even leave KVM_RUN (a wedge below us).
 */
public final class VcpuDump {
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
}
