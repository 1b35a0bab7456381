package io.hotvisor.vmm.api.acpi;

import io.hotvisor.vmm.api.GuestAddress;
import java.nio.charset.StandardCharsets;

/** One ACPI table as placed in a VM's memory; the RSDP is listed with signature "RSDP". */
public record AcpiTable(String signature, GuestAddress address, byte[] bytes) {
    private static final int RSDP_OEM_ID = 9;
    private static final int RSDP_V1_LENGTH = 20;
    private static final int OEM_ID = 10;
    private static final int OEM_TABLE_ID = 16;

    public AcpiTable {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public String oemId() {
        return text(isRsdp() ? RSDP_OEM_ID : OEM_ID, 6);
    }

    /** The OEM table id; the RSDP has none. */
    public String oemTableId() {
        return isRsdp() ? "" : text(OEM_TABLE_ID, 8);
    }

    /** Every byte sums to zero (for the RSDP: its first 20 bytes and all of it). */
    public boolean checksumValid() {
        return isRsdp() ? sum(RSDP_V1_LENGTH) == 0 && sum(bytes.length) == 0 : sum(bytes.length) == 0;
    }

    private boolean isRsdp() {
        return "RSDP".equals(signature);
    }

    private int sum(int length) {
        int total = 0;
        for (int i = 0; i < length; i++) {
            total += bytes[i];
        }
        return total & 0xFF;
    }

    private String text(int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII).trim();
    }

    @Override
    public String toString() {
        return signature + " at " + address + ", " + bytes.length + " bytes";
    }
}
