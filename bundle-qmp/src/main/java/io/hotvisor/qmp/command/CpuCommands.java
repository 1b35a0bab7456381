package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.qmp.protocol.JsonWriter;
import io.hotvisor.vmm.api.CpuHotplug;
import io.hotvisor.vmm.api.VmEvent;
import java.util.List;

/**
 * CPU commands: {@code query-hotpluggable-cpus}, {@code query-cpus-fast}, the legacy
 * {@code cpu-add}, and {@code query-acpi-ospm-status}. Hot-add and removal through
 * {@code device_add}/{@code device_del} of {@value CpuHotplug#DRIVER} go through the device
 * registry ({@link DeviceCommands}).
 */
public final class CpuCommands {
    private CpuCommands() {
    }

    public static void register(CommandRegistry registry) {
        registry.register("query-hotpluggable-cpus", (context, args) -> {
            args.done();
            return hotpluggable(CpuView.of(context.vm(), context.services()));
        });
        registry.register("query-cpus-fast", (context, args) -> {
            args.done();
            return fast(CpuView.of(context.vm(), context.services()));
        });
        registry.register("cpu-add", (context, args) -> {
            int id = args.cpuId("id");
            args.done();
            addCpu(context, id);
            return null;
        });
        registry.register("query-acpi-ospm-status", (context, args) -> {
            args.done();
            return JsonWriter.toJson(context.vm().acpiOspmStatus().stream().map(VmEvent.OstInfo::qmpData).toList());
        });
    }

    static void addCpu(CommandContext context, int id) {
        checkId(id);
        CpuHotplug hotplug = context.services().cpuHotplug()
                .orElseThrow(() -> QmpError.notSupported("CPU hotplug", CpuHotplug.CAPABILITY));
        hotplug.add(context.vm(), id);
    }

    static void removeCpu(CommandContext context, int id) {
        checkId(id);
        CpuHotplug hotplug = context.services().cpuHotplug()
                .orElseThrow(() -> QmpError.notSupported("CPU hotplug", CpuHotplug.CAPABILITY));
        hotplug.remove(context.vm(), id);
    }

    /** QEMU's check; it also keeps clients from {@link CpuHotplug#LOWEST_ABSENT}, which is cpu:add's alone. */
    private static void checkId(int id) {
        if (id < 0) {
            throw QmpError.generic("Invalid CPU id: " + id);
        }
    }

    static JsonObject props(CpuView cpu) {
        return Values.object("core-id", cpu.coreId(), "thread-id", cpu.threadId(), "node-id", 0,
                "socket-id", cpu.socketId());
    }

    /** Every possible CPU, highest id first as QEMU lists them; qom-path only for plugged ones. */
    static JsonArray hotpluggable(List<CpuView> cpus) {
        JsonArray list = new JsonArray();
        for (int i = cpus.size() - 1; i >= 0; i--) {
            CpuView cpu = cpus.get(i);
            JsonObject entry = new JsonObject();
            entry.add("props", props(cpu));
            entry.addProperty("vcpus-count", 1);
            if (cpu.plugged()) {
                entry.addProperty("qom-path", cpu.qomPath());
            }
            entry.addProperty("type", CpuHotplug.DRIVER);
            list.add(entry);
        }
        return list;
    }

    static JsonArray fast(List<CpuView> cpus) {
        JsonArray list = new JsonArray();
        for (CpuView cpu : cpus) {
            if (!cpu.plugged()) {
                continue;
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("thread-id", cpu.hostThreadId());
            entry.add("props", props(cpu));
            entry.addProperty("qom-path", cpu.qomPath());
            entry.addProperty("cpu-index", cpu.id());
            entry.addProperty("target", "x86_64");
            list.add(entry);
        }
        return list;
    }
}
