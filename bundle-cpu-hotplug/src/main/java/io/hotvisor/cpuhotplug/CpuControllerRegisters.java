package io.hotvisor.cpuhotplug;

/**
 * QEMU's modern ACPI CPU hotplug register block (docs/specs/acpi_cpu_hotplug.rst), 12 bytes at
 * the start of the capability's page. The AML in {@link CpuAml} and the controller agree on these.
 */
final class CpuControllerRegisters {
    private CpuControllerRegisters() {
    }

    static final int LENGTH = 12;
    /** Write: CPU selector. Read: command data 2 (upper half of the arch id). */
    static final int SELECTOR = 0;
    /** Read: status flags. Write: control flags. */
    static final int FLAGS = 4;
    static final int COMMAND = 5;
    /** Read: the data of the current command. Write: OST event / status. */
    static final int DATA = 8;

    static final int FLAG_ENABLED = 0x1;
    static final int FLAG_INSERT = 0x2;
    static final int FLAG_REMOVE = 0x4;
    static final int CONTROL_CLEAR_INSERT = 0x2;
    static final int CONTROL_CLEAR_REMOVE = 0x4;
    static final int CONTROL_EJECT = 0x8;

    static final int COMMAND_NEXT_WITH_EVENT = 0;
    static final int COMMAND_OST_EVENT = 1;
    static final int COMMAND_OST_STATUS = 2;
    static final int COMMAND_ARCH_ID = 3;

    /** ACPI _OST source events (ACPI 6.5 §6.3.5). */
    static final int OST_INSERT = 0x1;
    static final int OST_EJECT = 0x3;
    static final int OST_SUCCESS = 0;
}
