package io.hotvisor.qmp.hmp;

import com.google.gson.JsonObject;
import io.hotvisor.qmp.command.Arguments;
import io.hotvisor.qmp.command.CommandContext;
import io.hotvisor.qmp.command.CommandRegistry;
import io.hotvisor.qmp.command.CpuView;
import io.hotvisor.qmp.command.HmpSupport;
import io.hotvisor.qmp.command.PciFunction;
import io.hotvisor.qmp.command.QmpCommand;
import io.hotvisor.qmp.command.StatusCommands;
import io.hotvisor.qmp.command.VmErrors;
import io.hotvisor.qmp.protocol.QmpError;
import io.hotvisor.vmm.api.DeviceDescription;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.DeviceManager;
import io.hotvisor.vmm.api.PluggedDevice;
import io.hotvisor.vmm.api.VcpuControl;
import io.hotvisor.vmm.api.VcpuInfo;
import io.hotvisor.vmm.api.VmState;
import io.hotvisor.vmm.api.pci.PciAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The human monitor through QMP {@code human-monitor-command}: the HMP verbs clients still send
 * (the old qemu-kvm {@code cpu_set}, {@code usb_add}, {@code info ...}). Output is HMP text with
 * CRLF line ends; a failure is an {@code Error: ...} line, as QEMU prints it, never a QMP error.
 * A verb whose capability is not installed says so, naming it.
 */
public final class HmpCommands {
    static final String CRLF = "\r\n";

    private static final Map<String, String> HELP = new LinkedHashMap<>();

    static {
        HELP.put("info status|cpus|hotpluggable-cpus|registers [-a]|pci|usb|memory-devices|version|name", "show machine state");
        HELP.put("device_add driver[,prop=value][,...]", "add a device (device_add help lists the drivers)");
        HELP.put("device_del id", "remove a device");
        HELP.put("object_add memory-backend-ram,id=ID,size=SIZE[,...]", "create a memory backend (also -file, -memfd)");
        HELP.put("object_del id", "delete a memory backend");
        HELP.put("cpu_set index online|offline", "plug or unplug a vCPU");
        HELP.put("usb_add name[:drive]", "add a USB device (a USB model or its legacy name: tablet, disk:FILE, ...)");
        HELP.put("usb_del id|path", "remove a USB device");
        HELP.put("stop|cont|system_reset|system_powerdown", "run state");
    }

    private HmpCommands() {
    }

    public static void register(CommandRegistry registry) {
        registry.register("human-monitor-command", (context, args) -> {
            String line = args.string("command-line");
            args.optInteger("cpu-index");
            args.done();
            return new com.google.gson.JsonPrimitive(execute(context, line));
        });
    }

    /** Runs one HMP command line; returns what the monitor prints. */
    public static String execute(CommandContext context, String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        String[] words = trimmed.split("\\s+", 2);
        String verb = words[0];
        String rest = words.length > 1 ? words[1].strip() : "";
        try {
            return switch (verb) {
                case "info" -> info(context, rest);
                case "help", "?" -> help();
                case "device_add" -> deviceAdd(context, rest);
                case "device_del" -> {
                    requireArgument(verb, rest);
                    HmpSupport.deviceDel(context, rest);
                    yield "";
                }
                case "object_add" -> objectAdd(context, rest);
                case "object_del" -> {
                    requireArgument(verb, rest);
                    HmpSupport.objectDel(context, rest);
                    yield "";
                }
                case "cpu_set" -> cpuSet(context, rest);
                case "usb_add" -> usbAdd(context, rest);
                case "usb_del" -> {
                    requireArgument(verb, rest);
                    HmpSupport.deviceDel(context, rest);
                    yield "";
                }
                case "stop", "cont", "c", "system_reset", "system_powerdown" -> {
                    qmp(context, verb.equals("c") ? "cont" : verb);
                    yield "";
                }
                default -> "unknown command: '" + verb + "'" + CRLF;
            };
        } catch (RuntimeException e) {
            return "Error: " + VmErrors.map(e).getMessage() + CRLF;
        }
    }

    private static void requireArgument(String verb, String rest) {
        if (rest.isEmpty()) {
            throw QmpError.generic(verb + ": argument missing");
        }
    }

    private static void qmp(CommandContext context, String name) {
        QmpCommand command = context.registry().find(name);
        if (command == null) {
            throw QmpError.generic("unknown command: '" + name + "'");
        }
        command.execute(context, Arguments.of(new JsonObject()));
    }

    private static String help() {
        StringBuilder out = new StringBuilder();
        HELP.forEach((usage, what) -> out.append(usage).append(" -- ").append(what).append(CRLF));
        return out.toString();
    }

    private static String info(CommandContext context, String words) {
        String what = words.strip().replaceAll("\\s+", " ");
        return switch (what) {
            case "status" -> infoStatus(context.vm().state());
            case "cpus" -> infoCpus(CpuView.of(context.vm(), context.services()));
            case "hotpluggable-cpus" -> infoHotpluggableCpus(CpuView.of(context.vm(), context.services()));
            case "registers" -> infoRegisters(context.vm().cpus(), false);
            case "registers -a" -> infoRegisters(context.vm().cpus(), true);
            case "pci" -> infoPci(PciFunction.of(context.vm().pci()));
            case "usb" -> infoUsb(context);
            case "memory-devices" -> infoMemoryDevices(context);
            case "version" -> {
                JsonObject version = StatusCommands.version(context.services());
                JsonObject qemu = version.getAsJsonObject("qemu");
                yield qemu.get("major") + "." + qemu.get("minor") + "." + qemu.get("micro") + " ("
                        + version.get("package").getAsString() + ")" + CRLF;
            }
            case "name" -> context.vm().name() + CRLF;
            case "" -> help();
            default -> "unknown command: 'info " + what + "'" + CRLF;
        };
    }

    /** QEMU's hmp_info_status. */
    static String infoStatus(VmState state) {
        String status = StatusCommands.status(state);
        boolean running = state == VmState.RUNNING;
        StringBuilder out = new StringBuilder("VM status: ").append(running ? "running" : "paused");
        if (!running && state != VmState.PAUSED) {
            out.append(" (").append(status).append(')');
        }
        return out.append(CRLF).toString();
    }

    /** QEMU's hmp_info_cpus: the monitor's current CPU (the first) marked with '*'. */
    static String infoCpus(List<CpuView> cpus) {
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (CpuView cpu : cpus) {
            if (!cpu.plugged()) {
                continue;
            }
            out.append(first ? '*' : ' ').append(" CPU #").append(cpu.id()).append(": thread_id=")
                    .append(cpu.hostThreadId()).append(CRLF);
            first = false;
        }
        return out.toString();
    }

    /**
     * QEMU's hmp_info_registers: the monitor's current CPU (the first), or with -a each plugged
     * one under "CPU#N", where one that cannot be read says why and the others still show.
     */
    static String infoRegisters(VcpuControl cpus, boolean all) {
        StringBuilder out = new StringBuilder();
        for (VcpuInfo cpu : cpus.list()) {
            if (!cpu.plugged()) {
                continue;
            }
            if (!all) {
                return cpus.registers(cpu.id()).format().replace("\n", CRLF);
            }
            out.append(CRLF).append("CPU#").append(cpu.id()).append(CRLF);
            try {
                out.append(cpus.registers(cpu.id()).format().replace("\n", CRLF));
            } catch (RuntimeException e) {
                out.append(VmErrors.map(e).getMessage()).append(CRLF);
            }
        }
        return out.toString();
    }

    /** QEMU's hmp_hotpluggable_cpus: highest CPU first, qom_path for plugged ones. */
    static String infoHotpluggableCpus(List<CpuView> cpus) {
        StringBuilder out = new StringBuilder("Hotpluggable CPUs:").append(CRLF);
        for (int i = cpus.size() - 1; i >= 0; i--) {
            CpuView cpu = cpus.get(i);
            out.append("  type: \"").append(io.hotvisor.vmm.api.CpuHotplug.DRIVER).append('"').append(CRLF);
            out.append("  vcpus_count: \"1\"").append(CRLF);
            if (cpu.plugged()) {
                out.append("  qom_path: \"").append(cpu.qomPath()).append('"').append(CRLF);
            }
            out.append("  CPUInstance Properties:").append(CRLF);
            out.append("    node-id: \"0\"").append(CRLF);
            out.append("    socket-id: \"").append(cpu.socketId()).append('"').append(CRLF);
            out.append("    core-id: \"").append(cpu.coreId()).append('"').append(CRLF);
            out.append("    thread-id: \"").append(cpu.threadId()).append('"').append(CRLF);
        }
        return out.toString();
    }

    /** The VM's devices whose driver sits on {@code bus}, each with what its driver says of it. */
    private static Map<PluggedDevice, DeviceDescription> devicesOn(CommandContext context, String bus) {
        DeviceManager devices = context.services().requireDeviceManager();
        Map<PluggedDevice, DeviceDescription> found = new LinkedHashMap<>();
        for (PluggedDevice device : devices.list(context.vm())) {
            if (devices.driver(device.driver()).filter(driver -> driver.bus().equals(bus)).isPresent()) {
                found.put(device, devices.describe(context.vm(), device));
            }
        }
        return found;
    }

    private static boolean driverOn(CommandContext context, String bus) {
        return context.services().requireDeviceManager().drivers().stream().anyMatch(driver -> driver.bus().equals(bus));
    }

    /** QEMU's hmp_info_pci: per function its class, ids, interrupt, BARs and device id. */
    static String infoPci(List<PciFunction> functions) {
        StringBuilder out = new StringBuilder();
        for (PciFunction function : functions) {
            PciAddress address = function.address();
            out.append(String.format("  Bus %2d, device %3d, function %d:", address.bus(), address.slot(),
                    address.function())).append(CRLF);
            // QEMU prints an unnamed class in decimal, zero-padded.
            out.append("    ").append(function.classDescription().orElse(String.format("Class %04d", function.classCode())))
                    .append(String.format(": PCI device %04x:%04x", function.vendorId(), function.deviceId())).append(CRLF);
            out.append(String.format("      PCI subsystem %04x:%04x", function.subsystemVendorId(), function.subsystemId()))
                    .append(CRLF);
            if (function.interruptPin() != 0) {
                out.append(String.format("      IRQ %d, pin %c", function.interruptLine(),
                        (char) ('A' + function.interruptPin() - 1))).append(CRLF);
            }
            for (PciFunction.Region region : function.regions()) {
                long last = region.address() + region.bar().size() - 1;
                out.append("      BAR").append(region.bar().index()).append(": ");
                if (region.io()) {
                    out.append(String.format("I/O at 0x%04x [0x%04x].", region.address(), last));
                } else {
                    out.append(String.format("%d bit%s memory at 0x%08x [0x%08x].", region.memory64() ? 64 : 32,
                            region.bar().prefetchable() ? " prefetchable" : "", region.address(), last));
                }
                out.append(CRLF);
            }
            out.append("      id \"").append(function.qdevId()).append('"').append(CRLF);
        }
        return out.toString();
    }

    /** QEMU's hmp_info_usb, from what each USB driver says of its devices (port, device, speed, product). */
    private static String infoUsb(CommandContext context) {
        if (!driverOn(context, DeviceDriver.BUS_USB)) {
            return "USB support not enabled: no USB device driver is installed" + CRLF;
        }
        StringBuilder out = new StringBuilder();
        devicesOn(context, DeviceDriver.BUS_USB).forEach((device, description) -> {
            Map<String, Object> facts = description.facts();
            out.append("  Device ").append(facts.getOrDefault("device", "?")).append(", Port ")
                    .append(description.address().isEmpty() ? "?" : description.address())
                    .append(", Speed ").append(facts.getOrDefault("speed", "?")).append(" Mb/s, Product ")
                    .append(facts.getOrDefault("product", device.driver()));
            if (device.id() != null) {
                out.append(", ID: ").append(device.id());
            }
            out.append(CRLF);
        });
        return out.toString();
    }

    /** QEMU's hmp_info_memory_devices: a header with the kind and name, then the driver's facts. */
    private static String infoMemoryDevices(CommandContext context) {
        if (!driverOn(context, DeviceDriver.BUS_MEMORY)) {
            return "Memory hotplug not supported: no memory device driver is installed" + CRLF;
        }
        StringBuilder out = new StringBuilder();
        devicesOn(context, DeviceDriver.BUS_MEMORY).forEach((device, description) -> {
            out.append("Memory device [").append(description.facts().getOrDefault("kind", device.driver()))
                    .append("]: \"").append(device.name()).append('"').append(CRLF);
            description.facts().forEach((key, value) -> {
                if (!key.equals("kind")) {
                    out.append("  ").append(key).append(": ").append(value).append(CRLF);
                }
            });
        });
        return out.toString();
    }

    /** {@code object_add TYPE,id=ID,KEY=VALUE...}, as QEMU's HMP and {@code -object} write it. */
    private static String objectAdd(CommandContext context, String options) {
        requireArgument("object_add", options);
        Map<String, Object> properties = parseOptions(options, "qom-type");
        Object type = properties.remove("qom-type");
        Object id = properties.remove("id");
        if (id == null) {
            throw QmpError.generic("Parameter 'id' is missing");
        }
        HmpSupport.objectAdd(context, String.valueOf(type), id.toString(), properties);
        return "";
    }

    private static String deviceAdd(CommandContext context, String options) {
        requireArgument("device_add", options);
        Map<String, Object> properties = parseOptions(options, "driver");
        Object driver = properties.remove("driver");
        if (driver == null) {
            throw QmpError.generic("Parameter 'driver' is missing");
        }
        if ("help".equals(driver) || "?".equals(driver)) {
            StringBuilder out = new StringBuilder();
            for (DeviceDriver d : context.services().requireDeviceManager().drivers()) {
                out.append("name \"").append(d.name()).append("\", desc \"").append(d.description()).append('"').append(CRLF);
            }
            return out.toString();
        }
        Object id = properties.remove("id");
        HmpSupport.deviceAdd(context, driver.toString(), id == null ? null : id.toString(), properties);
        return "";
    }

    static Map<String, Object> parseOptions(String options, String implied) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < options.length(); i++) {
            char c = options.charAt(i);
            if (c == ',') {
                if (i + 1 < options.length() && options.charAt(i + 1) == ',') {
                    current.append(',');
                    i++;
                } else {
                    parts.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        Map<String, Object> properties = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (i == 0 && implied != null) {
                    properties.put(implied, part);
                } else if (!part.isEmpty()) {
                    properties.put(part, "on");
                }
            } else {
                properties.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return properties;
    }

    /** The old qemu-kvm verb: {@code cpu_set N online|offline}. */
    private static String cpuSet(CommandContext context, String rest) {
        String[] words = rest.split("\\s+");
        if (words.length != 2) {
            throw QmpError.generic("cpu_set: usage: cpu_set index online|offline");
        }
        int id;
        try {
            id = Integer.parseInt(words[0]);
        } catch (NumberFormatException e) {
            throw QmpError.generic("cpu_set: '" + words[0] + "' is not a CPU index");
        }
        switch (words[1].toLowerCase(Locale.ROOT)) {
            case "online" -> HmpSupport.addCpu(context, id);
            case "offline" -> HmpSupport.removeCpu(context, id);
            default -> throw QmpError.generic("cpu_set: say online or offline, not '" + words[1] + "'");
        }
        return "";
    }

    /**
     * The old USB verb: {@code usb_add NAME[:ARG]}. NAME is a USB driver's model name or legacy
     * alias ({@code tablet}, {@code disk}), ARG its {@code drive} (QEMU's {@code disk:FILE}). The
     * device has no id; the reply names its QOM path, which {@code usb_del} takes.
     */
    private static String usbAdd(CommandContext context, String device) {
        requireArgument("usb_add", device);
        int colon = device.indexOf(':');
        String name = colon < 0 ? device : device.substring(0, colon);
        Map<String, Object> properties = colon < 0 ? Map.of() : Map.of("drive", device.substring(colon + 1));
        if (!driverOn(context, DeviceDriver.BUS_USB)) {
            throw QmpError.generic("usb_add: USB support not enabled: no USB device driver is installed");
        }
        DeviceManager devices = context.services().requireDeviceManager();
        DeviceDriver driver = devices.driver(name).filter(found -> found.bus().equals(DeviceDriver.BUS_USB))
                .orElseThrow(() -> QmpError.generic("usb_add: unknown device '" + name + "' (" + usbNames(devices) + ")"));
        PluggedDevice added = devices.add(context.vm(), driver.name(), null, properties);
        return "Added " + driver.name() + " as '" + added.path() + "'" + CRLF;
    }

    private static String usbNames(DeviceManager devices) {
        return devices.drivers().stream().filter(driver -> driver.bus().equals(DeviceDriver.BUS_USB))
                .flatMap(driver -> Stream.concat(Stream.of(driver.name()),
                        driver.aliases().stream().sorted()))
                .collect(Collectors.joining(", "));
    }
}
