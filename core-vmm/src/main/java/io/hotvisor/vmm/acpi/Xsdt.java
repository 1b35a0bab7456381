package io.hotvisor.vmm.acpi;

import java.nio.ByteBuffer;
import java.util.List;

/** The Extended System Description Table (ACPI 6.5 §5.2.8): 64-bit addresses of the other tables. */
final class Xsdt {
    static final String SIGNATURE = "XSDT";
    static final int REVISION = 1;

    private Xsdt() {
    }

    static int length(int entries) {
        return TableHeader.LENGTH + Long.BYTES * entries;
    }

    static byte[] build(List<Long> tableAddresses) {
        ByteBuffer table = TableHeader.begin(SIGNATURE, REVISION, length(tableAddresses.size()));
        tableAddresses.forEach(table::putLong);
        return TableHeader.finish(table);
    }
}
