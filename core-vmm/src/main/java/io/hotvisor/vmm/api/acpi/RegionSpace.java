package io.hotvisor.vmm.api.acpi;

/** Address spaces of an OperationRegion. */
public enum RegionSpace {
    SYSTEM_MEMORY(0x00),
    SYSTEM_IO(0x01),
    PCI_CONFIG(0x02);

    private final int code;

    RegionSpace(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }
}
