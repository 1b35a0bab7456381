package io.hotvisor.vmm.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a VM is made of. A plain record so that it serialises with Gson and maps one to one onto
 * the {@code io.hotvisor.vm~NAME} configuration and the {@code vm:create} options.
 *
 * @param name    unique VM name (letters, digits, '-', '_', '.')
 * @param kernel  path on the host of a bzImage, or of an ELF kernel with a PVH note (an uncompressed vmlinux)
 * @param initrd  path of an initrd, or null
 * @param cmdline kernel command line (never null)
 * @param vcpus     vCPUs at boot
 * @param maxVcpus  vCPUs the machine can have (more than {@code vcpus} needs CPU hotplug)
 * @param memory    guest RAM in bytes
 * @param options   settings for capabilities, by key (e.g. {@code qmp.tcp}); never null. Boot-time
 *                  devices are options too: {@code device.N} holds a {@link DeviceSpec} in
 *                  {@code -device} form, plugged in the order of N at every start
 */
public record VmSpec(String name, String kernel, String initrd, String cmdline, int vcpus, int maxVcpus, long memory,
                     Map<String, String> options) {
    public static final long MIN_MEMORY = 16L << 20;
    public static final long MAX_MEMORY = 1L << 40;
    public static final int MAX_VCPUS = 255;
    public static final String DEFAULT_CMDLINE = "console=ttyS0";
    /** Option key prefix of boot-time devices: {@code device.0}, {@code device.1}, ... */
    public static final String DEVICE_OPTION = "device.";
    /** The setting (configuration and {@code vm:create} key) of {@link #maxVcpus}. */
    public static final String MAX_VCPUS_SETTING = "max-vcpus";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    public VmSpec {
        cmdline = cmdline == null ? "" : cmdline;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** A VM without CPU hotplug or options. */
    public VmSpec(String name, String kernel, String initrd, String cmdline, int vcpus, long memory) {
        this(name, kernel, initrd, cmdline, vcpus, vcpus, memory, Map.of());
    }

    /**
     * The settings this spec uses that the core does not serve itself, each with how it is used
     * (for errors): {@code max-vcpus} above {@code vcpus}, and every option but the boot devices.
     * Capabilities ({@link MachineCapability#specSettings()}) and features say which they serve.
     */
    public Map<String, String> capabilitySettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (maxVcpus > vcpus) {
            settings.put(MAX_VCPUS_SETTING, MAX_VCPUS_SETTING + " " + maxVcpus + " (more than vcpus " + vcpus + ")");
        }
        new TreeMap<>(options).forEach((key, value) -> {
            if (!key.startsWith(DEVICE_OPTION)) {
                settings.put(key, "option " + key + "=" + value);
            }
        });
        return settings;
    }

    /** Whether a declared setting, a name or a prefix ending in '*' (e.g. {@code qmp.*}), covers {@code setting}. */
    public static boolean settingMatches(String declared, String setting) {
        return declared.endsWith("*") ? setting.startsWith(declared.substring(0, declared.length() - 1))
                : declared.equals(setting);
    }

    /** The boot-time devices, in the order of their {@code device.N} keys; one without an id is named {@code DRIVERN}. */
    public List<DeviceSpec> bootDevices() {
        Map<Integer, String> byIndex = new TreeMap<>();
        options.forEach((key, value) -> {
            if (key.startsWith(DEVICE_OPTION)) {
                String index = key.substring(DEVICE_OPTION.length());
                try {
                    byIndex.put(Integer.parseUnsignedInt(index), value);
                } catch (NumberFormatException e) {
                    throw new VmException(name + ": option " + key + ": the part after '" + DEVICE_OPTION
                            + "' must be a number");
                }
            }
        });
        List<DeviceSpec> devices = new ArrayList<>();
        byIndex.forEach((index, text) -> {
            DeviceSpec device = DeviceSpec.parse(text);
            devices.add(device.id() != null ? device
                    : new DeviceSpec(device.driver(), device.driver() + index, device.properties()));
        });
        return devices;
    }

    /** Checks what can be checked without touching files; throws with a one-line message. */
    public VmSpec validate() {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new VmException("invalid VM name '" + name
                    + "': use up to 63 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        if (kernel == null || kernel.isBlank()) {
            throw new VmException(name + ": no kernel given");
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new VmException(name + ": vcpus must be between 1 and " + MAX_VCPUS + ", not " + vcpus);
        }
        if (maxVcpus < vcpus || maxVcpus > MAX_VCPUS) {
            throw new VmException(name + ": max-vcpus must be between vcpus (" + vcpus + ") and " + MAX_VCPUS
                    + ", not " + maxVcpus);
        }
        if (memory < MIN_MEMORY) {
            throw new VmException(name + ": memory " + MemorySize.format(memory) + " is too small (minimum "
                    + MemorySize.format(MIN_MEMORY) + ")");
        }
        if (memory > MAX_MEMORY) {
            throw new VmException(name + ": memory " + MemorySize.format(memory) + " is too large");
        }
        if (memory % 4096 != 0) {
            throw new VmException(name + ": memory must be a multiple of 4K");
        }
        List<String> ids = bootDevices().stream().map(DeviceSpec::id).toList();
        if (ids.stream().distinct().count() != ids.size()) {
            throw new VmException(name + ": two boot devices have the same id (" + ids + ")");
        }
        return this;
    }
}
