package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.VmManager;
import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code etc/io.hotvisor.vm~NAME.cfg} define a VM, as {@code io.hotvisor.vm-NAME.cfg} does.
 * Karaf 4.4's FileInstall reads only '-' as the factory separator in file names, so the '~' file
 * becomes a plain configuration with PID {@code io.hotvisor.vm~NAME} (which collides with the
 * factory configuration's PID, so it cannot be mirrored into one). Such configurations are served
 * here with the same rules as {@link VmConfiguration}.
 */
@Component(service = ConfigurationListener.class)
public final class NamedVmFiles implements ConfigurationListener {
    private static final String PREFIX = VmConfiguration.FACTORY_PID + "~";
    private static final Logger LOG = LoggerFactory.getLogger(NamedVmFiles.class);

    private final VmManager manager;
    private final ConfigurationAdmin configAdmin;
    /** PID → the VM defined from it, with the properties it was defined from. */
    private final Map<String, Definition> defined = new HashMap<>();

    private record Definition(String vm, Map<String, Object> properties) {
    }

    @Activate
    public NamedVmFiles(@Reference VmManager manager, @Reference ConfigurationAdmin configAdmin) {
        this.manager = manager;
        this.configAdmin = configAdmin;
        try {
            Configuration[] existing = configAdmin.listConfigurations(
                    "(&(service.pid=" + PREFIX + "*)(!(service.factoryPid=*)))");
            for (Configuration configuration : existing == null ? new Configuration[0] : existing) {
                Map<String, Object> properties = properties(configuration);
                if (properties != null) {
                    define(configuration.getPid(), properties);
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("cannot list {}NAME configurations: {}", PREFIX, e.getMessage());
        }
    }

    @Override
    public synchronized void configurationEvent(ConfigurationEvent event) {
        if (event.getFactoryPid() != null || !event.getPid().startsWith(PREFIX)) {
            return;
        }
        try {
            Map<String, Object> properties = event.getType() == ConfigurationEvent.CM_UPDATED
                    ? properties(configAdmin.getConfiguration(event.getPid(), "?")) : null;
            Definition current = defined.get(event.getPid());
            // The scan at activation may already have served this update.
            if (current != null && current.properties().equals(properties)) {
                return;
            }
            undefine(event.getPid());
            if (properties != null) {
                define(event.getPid(), properties);
            }
        } catch (IOException e) {
            LOG.warn("configuration {}: {}", event.getPid(), e.getMessage());
        }
    }

    private static Map<String, Object> properties(Configuration configuration) {
        Dictionary<String, Object> dictionary = configuration.getProperties();
        if (dictionary == null) {
            return null;
        }
        Map<String, Object> map = new HashMap<>();
        Collections.list(dictionary.keys()).forEach(key -> map.put(key, dictionary.get(key)));
        return map;
    }

    private synchronized void define(String pid, Map<String, Object> properties) {
        String name = VmConfiguration.define(manager, properties);
        if (name != null) {
            defined.put(pid, new Definition(name, properties));
        }
    }

    private void undefine(String pid) {
        Definition definition = defined.remove(pid);
        if (definition != null) {
            VmConfiguration.undefine(manager, definition.vm());
        }
    }

    @Deactivate
    synchronized void deactivate() {
        defined.values().forEach(definition -> VmConfiguration.undefine(manager, definition.vm()));
        defined.clear();
    }
}
