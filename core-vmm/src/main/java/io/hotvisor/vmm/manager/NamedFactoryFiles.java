package io.hotvisor.vmm.manager;

import java.io.IOException;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code etc/io.hotvisor.vm~NAME.cfg} define a VM. Karaf 4.4's FileInstall reads only '-'
 * as the factory separator in file names, so such a file becomes a plain configuration whose PID
 * is {@code io.hotvisor.vm~NAME}; this mirrors each of them into the factory configuration
 * {@code io.hotvisor.vm~NAME} that {@link VmConfiguration} serves, and deletes the mirror with it.
 */
@Component(service = ConfigurationListener.class)
public final class NamedFactoryFiles implements ConfigurationListener {
    static final String SOURCE = "hotvisor.mirroredFrom";
    private static final String PREFIX = VmConfiguration.FACTORY_PID + "~";
    private static final Logger LOG = LoggerFactory.getLogger(NamedFactoryFiles.class);

    private final ConfigurationAdmin configAdmin;

    @Activate
    public NamedFactoryFiles(@Reference ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
        try {
            for (Configuration mirror : list("(" + SOURCE + "=*)")) {
                if (list("(service.pid=" + mirror.getProperties().get(SOURCE) + ")").length == 0) {
                    mirror.delete();
                }
            }
            for (Configuration source : list("(&(service.pid=" + PREFIX + "*)(!(service.factoryPid=*)))")) {
                mirror(source);
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("cannot synchronise {}NAME configurations: {}", PREFIX, e.getMessage());
        }
    }

    private Configuration[] list(String filter) throws IOException, InvalidSyntaxException {
        Configuration[] found = configAdmin.listConfigurations(filter);
        return found == null ? new Configuration[0] : found;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getFactoryPid() != null || !event.getPid().startsWith(PREFIX)) {
            return;
        }
        try {
            if (event.getType() == ConfigurationEvent.CM_DELETED) {
                for (Configuration mirror : list("(" + SOURCE + "=" + event.getPid() + ")")) {
                    mirror.delete();
                }
            } else if (event.getType() == ConfigurationEvent.CM_UPDATED) {
                mirror(configAdmin.getConfiguration(event.getPid(), "?"));
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("configuration {}: {}", event.getPid(), e.getMessage());
        }
    }

    private void mirror(Configuration source) throws IOException {
        if (source.getProperties() == null) {
            return;
        }
        Hashtable<String, Object> properties = userProperties(source.getProperties());
        properties.put(SOURCE, source.getPid());
        Configuration target = configAdmin.getFactoryConfiguration(VmConfiguration.FACTORY_PID,
                source.getPid().substring(PREFIX.length()), "?");
        // An unchanged update would still restart the VM: skip it.
        if (!properties.equals(userProperties(target.getProperties()))) {
            target.update(properties);
        }
    }

    /** The properties without those Config Admin and FileInstall add. */
    private static Hashtable<String, Object> userProperties(Dictionary<String, Object> dictionary) {
        Hashtable<String, Object> result = new Hashtable<>();
        if (dictionary != null) {
            for (String key : Collections.list(dictionary.keys())) {
                if (!key.startsWith("service.") && !key.startsWith("felix.fileinstall.")) {
                    result.put(key, dictionary.get(key));
                }
            }
        }
        return result;
    }
}
