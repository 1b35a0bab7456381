package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.CapabilityMissingException;
import java.util.List;
import java.util.Optional;

/**
 * Which installable feature provides a device model, a {@code VmSpec} setting or a capability,
 * and whether it runs, for the errors that say what to install or start. Features describe
 * themselves with {@code <capability>} clauses in {@code feature.xml}; the core keeps no table of
 * them.
 */
@FunctionalInterface
public interface FeatureCatalog {
    /** What a feature declares, as {@code NAMESPACE;ATTRIBUTE:List<String>="a,b"}. */
    enum Kind {
        /** The device models its bundles register ({@code DeviceDriver.name()}). */
        DEVICE_MODEL("hotvisor.device", "models"),
        /** The {@code VmSpec} settings it serves: names, or prefixes ending in '*'. */
        SPEC_SETTING("hotvisor.spec", "settings"),
        /** The {@code MachineCapability} names its bundles register. */
        CAPABILITY("hotvisor.capability", "names"),
        /** The buses ({@code DeviceDriver.bus()}) whose devices it lets come and go while the guest runs. */
        HOTPLUG_BUS("hotvisor.hotplug", "buses");

        final String namespace;
        final String attribute;

        Kind(String namespace, String attribute) {
            this.namespace = namespace;
            this.attribute = attribute;
        }
    }

    /** The feature that declares {@code name} as a {@code kind}, if one in the repository does. */
    Optional<Provider> provider(Kind kind, String name);

    /**
     * A feature and its state: not installed, or installed with the bundles (its own and its
     * dependencies') that are not active; when all are, its service is missing for another reason.
     */
    record Provider(String feature, boolean installed, List<String> inactiveBundles) {
        public Provider {
            inactiveBundles = List.copyOf(inactiveBundles);
        }

        /** The error for {@code what} (e.g. "device model 'virtio-blk-pci'"), which needs this feature. */
        public CapabilityMissingException missing(String what) {
            if (!installed) {
                return CapabilityMissingException.notInstalled(what, feature);
            }
            return CapabilityMissingException.notActive(what, feature, inactiveBundles.isEmpty()
                    ? "its bundles are active but it did not start: see log:display"
                    : "bundle:start " + String.join(" ", inactiveBundles));
        }
    }
}
