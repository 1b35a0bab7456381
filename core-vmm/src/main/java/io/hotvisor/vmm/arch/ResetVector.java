package io.hotvisor.vmm.arch;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;

/**
 * The 16 bytes at the x86 reset vector (F000:FFF0), where a PC's firmware starts. Linux jumps
 * there to reboot by default on hardware-reduced ACPI without EFI (its EFI reboot falls back to
 * a BIOS reboot); with no firmware there the guest would run zeros forever instead of
 * rebooting. This stub does what firmware would end up doing: it asks the i8042 for a reset.
 */
public final class ResetVector {
    public static final long ADDRESS = 0xFFFF0;
    public static final int SIZE = 16;

    static final byte[] STUB = {
        (byte) 0xB0, (byte) 0xFE, // mov al, 0xFE: pulse the reset line
        (byte) 0xE6, (byte) Layout.PORT_I8042_COMMAND, // out 0x64, al
        (byte) 0xF4, // hlt
        (byte) 0xEB, (byte) 0xFD, // jmp back to hlt
    };

    private ResetVector() {
    }

    public static void writeTo(GuestMemory memory) {
        memory.write(GuestAddress.of(ADDRESS), STUB);
    }
}
