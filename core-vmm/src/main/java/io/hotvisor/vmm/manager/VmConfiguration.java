package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmManager;
import io.hotvisor.vmm.api.VmSpec;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM per factory configuration {@code io.hotvisor.vm~NAME} (for example the file
 * {@code etc/io.hotvisor.vm~demo.cfg}): defined when the configuration appears, started if
 * {@code autostart} is true, destroyed when the configuration goes away or changes.
 */
@Component(configurationPid = VmConfiguration.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class VmConfiguration {
    public static final String FACTORY_PID = "io.hotvisor.vm";
    /** Keys that map onto VmSpec fields; any other key becomes a capability option. */
    static final Set<String> SPEC_KEYS = Set.of("name", "kernel", "initrd", "cmdline", "vcpus", VmSpec.MAX_VCPUS_SETTING,
            "memory", "autostart");
    private static final Logger LOG = LoggerFactory.getLogger(VmConfiguration.class);

    private final VmManager manager;
    private String name;

    @Activate
    public VmConfiguration(@Reference VmManager manager, Map<String, Object> properties) {
        this.manager = manager;
        this.name = define(manager, properties);
    }

    /**
     * Defines (and if asked starts) the VM a configuration describes; returns its name, or null
     * when the configuration is unusable (logged: the container keeps running).
     */
    static String define(VmManager manager, Map<String, Object> properties) {
        try {
            VmSpec spec = toSpec(properties);
            Vm vm = manager.create(spec);
            if (Boolean.parseBoolean(String.valueOf(properties.getOrDefault("autostart", "false")))) {
                vm.start();
            }
            return spec.name();
        } catch (VmException e) {
            LOG.error("configuration {}: {}", properties.get("service.pid"), e.getMessage());
            return null;
        }
    }

    /** Destroys a VM that {@link #define} created, if it still exists. */
    static void undefine(VmManager manager, String name) {
        if (name != null && manager.find(name).isPresent()) {
            manager.destroy(name);
        }
    }

    /** Maps configuration properties onto a VmSpec; the name defaults to the PID's ~NAME suffix. */
    static VmSpec toSpec(Map<String, Object> properties) {
        String pid = String.valueOf(properties.get("service.pid"));
        Object configured = properties.get("name");
        String name = configured != null ? configured.toString()
                : pid.startsWith(FACTORY_PID + "~") ? pid.substring(FACTORY_PID.length() + 1) : null;
        if (name == null) {
            throw new VmException("no VM name: set 'name' or use a PID of the form " + FACTORY_PID + "~NAME");
        }
        int vcpus = integer(name, properties, "vcpus", 1);
        Map<String, String> options = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (!SPEC_KEYS.contains(key) && !key.startsWith("service.") && !key.startsWith("felix.")
                    && !key.startsWith("component.")) {
                options.put(key, String.valueOf(value));
            }
        });
        return new VmSpec(name,
                string(properties, "kernel", null),
                string(properties, "initrd", null),
                string(properties, "cmdline", VmSpec.DEFAULT_CMDLINE),
                vcpus,
                integer(name, properties, VmSpec.MAX_VCPUS_SETTING, vcpus),
                MemorySize.parse(string(properties, "memory", "512M")),
                options);
    }

    private static String string(Map<String, Object> properties, String key, String fallback) {
        Object value = properties.get(key);
        return value == null || value.toString().isBlank() ? fallback : value.toString().trim();
    }

    private static int integer(String vm, Map<String, Object> properties, String key, int fallback) {
        String value = string(properties, key, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new VmException(vm + ": " + key + " '" + value + "' is not a number");
        }
    }

    @Deactivate
    void deactivate() {
        undefine(manager, name);
    }
}
