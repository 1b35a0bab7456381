package io.hotvisor.qmp.command;

import io.hotvisor.qmp.QmpServices;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.Vm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A VM's possible CPUs as QMP and HMP show them: from the core's {@link io.hotvisor.vmm.api.VcpuControl}
 * while the machine runs, from the spec (boot CPUs present, the rest absent) when it does not.
 * Topology is the core's: one socket, one thread per core, core id = APIC id = cpu-index.
 */
public record CpuView(int id, int socketId, int coreId, int threadId, boolean plugged, long hostThreadId, String qomPath) {

    public static List<CpuView> of(Vm vm, QmpServices services) {
        List<VcpuInfo> cpus;
        if (vm.state().isActive()) {
            try {
                cpus = vm.cpus().list();
            } catch (RuntimeException stoppedMeanwhile) {
                cpus = fromSpec(vm);
            }
        } else {
            cpus = fromSpec(vm);
        }
        Map<Integer, String> peripheral = hotAddedDevices(vm, services);
        List<CpuView> views = new ArrayList<>(cpus.size());
        for (VcpuInfo cpu : cpus) {
            String path = null;
            if (cpu.plugged()) {
                path = peripheral.getOrDefault(cpu.id(), "/machine/unattached/device[" + cpu.id() + "]");
            }
            views.add(new CpuView(cpu.id(), cpu.socketId(), cpu.coreId(), cpu.threadId(), cpu.plugged(),
                    cpu.hostThreadId(), path));
        }
        return views;
    }

    private static List<VcpuInfo> fromSpec(Vm vm) {
        List<VcpuInfo> cpus = new ArrayList<>();
        for (int id = 0; id < vm.spec().maxVcpus(); id++) {
            cpus.add(new VcpuInfo(id, 0, id, 0, id < vm.spec().vcpus() ? VcpuInfo.State.ONLINE : VcpuInfo.State.ABSENT, 0));
        }
        return cpus;
    }

    /** CPU index → the QOM path of the device that plugged it (a hot-added CPU; boot CPUs have none). */
    private static Map<Integer, String> hotAddedDevices(Vm vm, QmpServices services) {
        Map<Integer, String> byCpu = new HashMap<>();
        services.deviceManager().ifPresent(devices -> devices.list(vm).stream()
                .filter(device -> devices.driver(device.driver()).filter(d -> d.bus().equals(DeviceDriver.BUS_CPU)).isPresent())
                .forEach(device -> {
                    String address = devices.describe(vm, device).address();
                    if (!address.isEmpty()) {
                        byCpu.put(Integer.parseInt(address), device.path());
                    }
                }));
        return byCpu;
    }
}
