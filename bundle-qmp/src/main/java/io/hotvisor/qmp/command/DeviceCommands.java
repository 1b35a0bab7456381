package io.hotvisor.qmp.command;

import com.google.gson.JsonElement;
import io.hotvisor.qmp.protocol.ErrorClass;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.DeviceManager;
import java.util.Map;

/**
 * Devices: {@code device_add}/{@code device_del} through the core's {@link DeviceManager} (so a
 * driver any bundle registers works at once), the balloon queries (no balloon yet), and
 * {@code query-pci} from the VM's PCI bus.
 */
public final class DeviceCommands {
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
}
