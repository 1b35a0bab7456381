package io.hotvisor.vmm.api;

import java.util.Map;
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
 * @param options   settings for capabilities, by key (e.g. {@code qmp.tcp}); never null
 */
public record VmSpec(String name, String kernel, String initrd, String cmdline, int vcpus, int maxVcpus, long memory,
                     Map<String, String> options) {
    public static final long MIN_MEMORY = 16L << 20;
    public static final long MAX_MEMORY = 1L << 40;
    public static final int MAX_VCPUS = 255;
    public static final String DEFAULT_CMDLINE = "console=ttyS0";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    public VmSpec {
        cmdline = cmdline == null ? "" : cmdline;
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    /** A VM without CPU hotplug or options. */
    public VmSpec(String name, String kernel, String initrd, String cmdline, int vcpus, long memory) {
        this(name, kernel, initrd, cmdline, vcpus, vcpus, memory, Map.of());
    }

    /** The capabilities a VM of this shape needs besides the core. */
    public java.util.Set<String> requiredCapabilities() {
        return maxVcpus > vcpus ? java.util.Set.of("cpu-hotplug", "acpi-ged") : java.util.Set.of();
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
        return this;
    }
}
