package io.hotvisor.vmm.api;

/** A request needs a capability bundle that is not installed (or is stopped). */
public class CapabilityMissingException extends VmException {
    private static final long serialVersionUID = 1L;
    private final String capability;

    public CapabilityMissingException(String capability) {
        super("capability " + capability + " is not installed (feature hotvisor-" + capability + ")");
        this.capability = capability;
    }

    public String capability() {
        return capability;
    }
}
