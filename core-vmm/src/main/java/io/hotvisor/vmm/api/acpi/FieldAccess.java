package io.hotvisor.vmm.api.acpi;

/** The access width of a Field: how the interpreter reads and writes the region. */
public enum FieldAccess {
    ANY(0),
    BYTE(1),
    WORD(2),
    DWORD(3),
    QWORD(4);

    private final int code;

    FieldAccess(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }
}
