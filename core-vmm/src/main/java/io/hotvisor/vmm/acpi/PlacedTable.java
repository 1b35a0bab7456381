package io.hotvisor.vmm.acpi;

import io.hotvisor.vmm.api.GuestAddress;

/** One table at its guest address; the RSDP is listed with signature "RSDP". */
public record PlacedTable(String signature, GuestAddress address, byte[] bytes) {
    public PlacedTable {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return signature + " at " + address + ", " + bytes.length + " bytes";
    }
}
