package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.runtime.ConsoleLogLimits;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The VM manager's configuration, PID {@code io.hotvisor.vmm} (the file
 * {@code etc/io.hotvisor.vmm.cfg}); a missing key keeps its default.
 *
 * @param consoleLog     cap and rotation of each VM's console.log
 * @param keepConsoleLog whether vm:destroy leaves the console logs (and so the data directory) behind
 * @param maxMemory      the most memory one VM may have, when set; otherwise the host's RAM
 */
record VmManagerSettings(ConsoleLogLimits consoleLog, boolean keepConsoleLog, OptionalLong maxMemory) {
    static final String PID = "io.hotvisor.vmm";
    static final String CONSOLE_LOG_MAX_BYTES = "console.log.max-bytes";
    static final String CONSOLE_LOG_FILES = "console.log.files";
    static final String CONSOLE_LOG_KEEP = "console.log.keep";
    static final String MAX_MEMORY = "vm.max-memory";
    static final VmManagerSettings DEFAULTS = new VmManagerSettings(ConsoleLogLimits.DEFAULT, false, OptionalLong.empty());

    /** Reads the configuration's properties; a value that does not parse is a VmException naming its key. */
    static VmManagerSettings of(Map<String, ?> properties) {
        ConsoleLogLimits consoleLog = new ConsoleLogLimits(
                size(properties, CONSOLE_LOG_MAX_BYTES).orElse(DEFAULTS.consoleLog().maxBytes()),
                count(properties, CONSOLE_LOG_FILES, DEFAULTS.consoleLog().files()));
        Object keep = properties.get(CONSOLE_LOG_KEEP);
        return new VmManagerSettings(consoleLog, keep != null && Boolean.parseBoolean(keep.toString().trim()),
                size(properties, MAX_MEMORY));
    }

    private static OptionalLong size(Map<String, ?> properties, String key) {
        Object value = properties.get(key);
        if (value == null || value.toString().isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(MemorySize.parse(value.toString()));
        } catch (VmException e) {
            throw new VmException(key + ": " + e.getMessage(), e);
        }
    }

    private static int count(Map<String, ?> properties, String key, int fallback) {
        Object value = properties.get(key);
        if (value == null || value.toString().isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new VmException(key + ": '" + value + "' is not a number", e);
        }
    }
}
