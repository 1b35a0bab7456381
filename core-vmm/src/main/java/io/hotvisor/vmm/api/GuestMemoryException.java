package io.hotvisor.vmm.api;

/** An access to a guest address that is not backed by RAM. */
public class GuestMemoryException extends VmException {
    private static final long serialVersionUID = 1L;

    public GuestMemoryException(GuestAddress address, long length) {
        super("guest address " + address + " (+" + length + " bytes) is not in guest RAM");
    }
}
