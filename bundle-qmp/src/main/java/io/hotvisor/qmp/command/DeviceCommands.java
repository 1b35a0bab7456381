package io.hotvisor.qmp.command;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.hotvisor.qmp.protocol.ErrorClass;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.DeviceManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Devices and the objects behind them: {@code device_add}/{@code device_del} through the core's
 * {@link DeviceManager} (so a driver any bundle registers works at once), {@code object-add}/
 * {@code object-del} and the memory and balloon queries, which answer for capabilities not
 * installed yet, and {@code query-pci} from the VM's PCI bus.
 */
public final class DeviceCommands {
    private static final Set<String> MEMORY_BACKENDS = Set.of("memory-backend-ram", "memory-backend-file",
            "memory-backend-memfd");

    private DeviceCommands() {
    }

    public static void register(CommandRegistry registry) {
        registry.register("device_add", DeviceCommands::deviceAdd);
        registry.register("device_del", (context, args) -> {
            String id = args.string("id");
            args.done();
            deviceDel(context, id);
            return null;
        });
        registry.register("object-add", DeviceCommands::objectAdd);
        registry.register("object-del", (context, args) -> {
            String id = args.string("id");
            args.done();
            throw QmpError.generic("object '" + id + "' not found");
        });
        registry.register("query-memory-devices", (context, args) -> {
            args.done();
            return new JsonArray();
        });
        registry.register("query-memory-size-summary", (context, args) -> {
            args.done();
            return Values.object("base-memory", context.vm().spec().memory());
        });
        registry.register("query-pci", (context, args) -> {
            args.done();
            return PciFunction.toQmp(PciFunction.of(context.vm().pci()));
        });
        registry.register("query-balloon", (context, args) -> {
            args.done();
            throw noBalloon();
        });
        registry.register("balloon", (context, args) -> {
            args.integer("value");
            args.done();
            throw noBalloon();
        });
    }

    private static QmpError noBalloon() {
        return new QmpError(ErrorClass.DeviceNotActive, "No balloon device has been activated");
    }

    private static JsonElement deviceAdd(CommandContext context, Arguments args) {
        String driver = args.string("driver");
        String id = args.optString("id");
        Map<String, Object> properties = args.rest();
        deviceAdd(context, driver, id, properties);
        return null;
    }

    /**
     * Adds a device by model name or alias (a driver's legacy name, such as {@code pci-assign});
     * one without an id is named by its QOM path, as QEMU names anonymous devices.
     */
    static void deviceAdd(CommandContext context, String driver, String id, Map<String, Object> properties) {
        context.services().requireDeviceManager().add(context.vm(), driver, id, properties);
    }

    /** Removes a device by id or by its QOM path. */
    static void deviceDel(CommandContext context, String idOrPath) {
        context.services().requireDeviceManager().remove(context.vm(), idOrPath);
    }

    /**
     * {@code object-add} as clients send it: QEMU 6+ flat members, or the older nested
     * {@code props}. Memory backends need the memory hotplug capability.
     */
    private static JsonElement objectAdd(CommandContext context, Arguments args) {
        String type = args.string("qom-type");
        args.string("id");
        JsonObject nested = args.optObject("props");
        Map<String, Object> properties = new LinkedHashMap<>(args.rest());
        if (nested != null) {
            properties.putAll(Arguments.of(nested).rest());
        }
        if (MEMORY_BACKENDS.contains(type)) {
            throw QmpError.generic("not supported: object-add of " + type + ": memory backends are not implemented yet");
        }
        throw QmpError.generic("Parameter 'qom-type' does not accept value '" + type + "'");
    }
}
