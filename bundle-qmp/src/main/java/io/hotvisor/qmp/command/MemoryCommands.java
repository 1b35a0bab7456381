package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.protocol.JsonWriter;
import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.memory.GuestRegion;
import io.hotvisor.vmm.api.memory.MemoryBackend;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory: {@code object-add}/{@code object-del} of the VM's memory backends, and the memory
 * queries, answered from the core's backends and what memory device drivers say of their devices.
 */
public final class MemoryCommands {
    /** The order of {@code MemoryDeviceInfo} data members in QEMU 7.2's answers. */
    private static final List<String> QEMU_DATA_ORDER = List.of("memdev", "hotplugged", "addr", "hotpluggable", "size",
            "slot", "node", "id");

    private MemoryCommands() {
    }

    public static void register(CommandRegistry registry) {
        registry.register("object-add", (context, args) -> {
            String type = args.string("qom-type");
            String id = args.string("id");
            JsonObject nested = args.optObject("props");
            Map<String, Object> properties = new LinkedHashMap<>(args.rest());
            if (nested != null) {
                properties.putAll(Arguments.of(nested).rest());
            }
            objectAdd(context, type, id, properties);
            return null;
        });
        registry.register("object-del", (context, args) -> {
            String id = args.string("id");
            args.done();
            objectDel(context, id);
            return null;
        });
        registry.register("query-memdev", (context, args) -> {
            args.done();
            JsonArray list = new JsonArray();
            context.vm().memoryBackends().list().forEach(backend -> list.add(memdev(backend)));
            return list;
        });
        registry.register("query-memory-devices", (context, args) -> {
            args.done();
            return memoryDevices(context);
        });
        registry.register("query-memory-size-summary", (context, args) -> {
            args.done();
            return sizeSummary(context.vm());
        });
    }

    static void objectAdd(CommandContext context, String type, String id, Map<String, Object> properties) {
        context.vm().memoryBackends().create(type, id, properties);
    }

    static void objectDel(CommandContext context, String id) {
        context.vm().memoryBackends().delete(id);
    }

    private static JsonObject memdev(MemoryBackend backend) {
        JsonObject entry = new JsonObject();
        entry.addProperty("id", backend.id());
        entry.addProperty("size", backend.size());
        entry.addProperty("merge", false);
        entry.addProperty("dump", true);
        entry.addProperty("prealloc", false);
        entry.addProperty("share", Boolean.TRUE.equals(backend.properties().get("share")));
        entry.add("host-nodes", new JsonArray());
        entry.addProperty("policy", "default");
        return entry;
    }

    /** Each device of a memory driver as QEMU lists it: {"type": kind, "data": {...}}. */
    private static JsonArray memoryDevices(CommandContext context) {
        JsonArray list = new JsonArray();
        DeviceManager devices = context.services().requireDeviceManager();
        for (PluggedDevice device : devices.list(context.vm())) {
            if (devices.driver(device.driver()).filter(driver -> driver.bus().equals(DeviceDriver.BUS_MEMORY)).isEmpty()) {
                continue;
            }
            DeviceDescription description = devices.describe(context.vm(), device);
            Map<String, Object> facts = new LinkedHashMap<>(description.facts());
            Object kind = facts.remove("kind");
            if (device.id() != null) {
                facts.put("id", device.id());
            }
            Map<String, Object> data = new LinkedHashMap<>();
            QEMU_DATA_ORDER.stream().filter(facts::containsKey).forEach(key -> data.put(key, facts.get(key)));
            facts.forEach(data::putIfAbsent);
            JsonObject entry = new JsonObject();
            entry.addProperty("type", kind == null ? device.driver() : kind.toString());
            entry.add("data", JsonWriter.toJson(data));
            list.add(entry);
        }
        return list;
    }

    /** Boot RAM, and while a hotplug region exists, what is plugged into it (QEMU omits it without). */
    private static JsonElement sizeSummary(Vm vm) {
        JsonObject summary = Values.object("base-memory", vm.spec().memory());
        if (vm.state().isActive()) {
            try {
                if (vm.memory().hotplugRegion().isPresent()) {
                    summary.addProperty("plugged-memory", vm.memory().regions().stream()
                            .filter(region -> region.backend().isPresent()).mapToLong(GuestRegion::size).sum());
                }
            } catch (RuntimeException stoppedMeanwhile) {
                // the summary of a machine that just went is its spec's
            }
        }
        return summary;
    }
}
