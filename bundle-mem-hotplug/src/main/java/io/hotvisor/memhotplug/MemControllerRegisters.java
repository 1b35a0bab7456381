package io.hotvisor.memhotplug;

/**
 * QEMU's ACPI memory hotplug register block (docs/specs/acpi_mem_hotplug.rst), 24 bytes at the
 * start of the capability's page. The AML in {@link MemAml} and the controller agree on these.
 */
final class MemControllerRegisters {
    private MemControllerRegisters() {
    }

    static final int LENGTH = 0x18;
    /** Read: base address, low half. Write: slot selector. */
    static final int BASE_LOW = 0x0;
    static final int SELECTOR = 0x0;
    /** Read: base address, high half. Write: _OST event. */
    static final int BASE_HIGH = 0x4;
    static final int OST_EVENT = 0x4;
    /** Read: length, low half. Write: _OST status. */
    static final int LENGTH_LOW = 0x8;
    static final int OST_STATUS = 0x8;
    static final int LENGTH_HIGH = 0xC;
    static final int PROXIMITY = 0x10;
    /** Read: status flags. Write: control flags. */
    static final int FLAGS = 0x14;

    static final int FLAG_ENABLED = 0x1;
    static final int FLAG_INSERT = 0x2;
    static final int FLAG_REMOVE = 0x4;
    static final int CONTROL_CLEAR_INSERT = 0x2;
    static final int CONTROL_CLEAR_REMOVE = 0x4;
    static final int CONTROL_EJECT = 0x8;

    /** ACPI _OST source events and status codes (ACPI 6.5 §6.3.5). */
    static final int OST_INSERT = 0x1;
    static final int OST_EJECT_REQUEST = 0x3;
    /** OSPM-initiated eject, as Linux reports a removal it started itself. */
    static final int OST_OSPM_EJECT = 0x103;
    static final int OST_SUCCESS = 0;
    /** Linux reports this before it offlines the memory: not a refusal. */
    static final int OST_EJECT_IN_PROGRESS = 0x84;
}
