package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.VmException;
import java.util.HashMap;
import java.util.Map;

/**
 * Which host functions this Hotvisor has assigned, and to what ({@code VM web, device nic0}), so
 * that a second assignment is refused with the owner's name; the kernel refuses a group open in
 * another process by itself (EBUSY).
 */
final class Assignments {
    private final Map<String, String> owners = new HashMap<>();

    /** Claims {@code address} for {@code owner}; fails naming the current owner. */
    synchronized void claim(String driver, String address, String owner) {
        String current = owners.putIfAbsent(address, owner);
        if (current != null) {
            throw new VmException(driver + ": " + address + " is already assigned to " + current
                    + "; remove it there first (device_del)");
        }
    }

    synchronized void release(String address, String owner) {
        owners.remove(address, owner);
    }

    synchronized Map<String, String> owners() {
        return Map.copyOf(owners);
    }
}
