package io.hotvisor.vmm.api;

/** A request needs a capability bundle that is not installed (or is stopped). */
public class CapabilityMissingException extends VmException {
    private static final long serialVersionUID = 1L;
    private final String capability;

    public CapabilityMissingException(String capability) {
        this("capability " + capability + " is not installed (feature hotvisor-" + capability + ")", capability);
    }

    /** {@code message} says what is missing; {@code capability} names the capability or feature. */
    public CapabilityMissingException(String message, String capability) {
        super(message);
        this.capability = capability;
    }

    /** {@code what} (e.g. "device model 'virtio-blk-pci'") comes with {@code feature}, which is not installed. */
    public static CapabilityMissingException notInstalled(String what, String feature) {
        return new CapabilityMissingException(what + " needs feature " + feature + ", which is not installed"
                + " (feature:install " + feature + ")", feature);
    }

    /**
     * {@code what} comes with {@code feature}, which is installed but does not run; {@code remedy}
     * says what to do (e.g. "bundle:start io.hotvisor.cpu-hotplug").
     */
    public static CapabilityMissingException notActive(String what, String feature, String remedy) {
        return new CapabilityMissingException(what + " needs feature " + feature + ", which is installed but not active"
                + " (" + remedy + ")", feature);
    }

    public String capability() {
        return capability;
    }
}
