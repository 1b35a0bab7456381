package io.hotvisor.vmm.api;

import java.util.List;
import java.util.Optional;

/** Creates, finds and destroys VMs. One instance per container, registered as an OSGi service. */
public interface VmManager {
    /** Defines a VM (not started). Fails on an invalid spec, a duplicate name or an unusable kernel. */
    Vm create(VmSpec spec);

    Optional<Vm> find(String name);

    /** @throws VmException naming the VM when there is none by that name */
    Vm get(String name);

    List<Vm> list();

    /** Stops the VM if needed and forgets it; every fd, thread and mapping it held is released. */
    void destroy(String name);
}
