package io.hotvisor.vmm.api;

import java.util.List;
import java.util.Locale;

/**
 * A vCPU's registers as KVM holds them, for QEMU's {@code info registers} and for a diagnosis of a
 * guest that stopped answering (where it spins, or whether it halted).
 *
 * @param general    RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8..R15: QEMU's order
 * @param csSelector the code segment's selector (its low two bits: the privilege level)
 * @param halted     the vCPU waits in HLT for an interrupt (KVM's mp_state HALTED)
 */
public record VcpuRegisters(List<Long> general, long rip, long rflags, int csSelector, long cr0, long cr2, long cr3,
                            long cr4, long efer, boolean halted) {
    /** The names of {@link #general()}, as QEMU prints them. */
    public static final List<String> GENERAL_NAMES = List.of("RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
            "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15");
    /** RFLAGS bits as QEMU shows them between brackets: DF, OF, SF, ZF, AF, PF, CF. */
    private static final long[] FLAG_BITS = {0x400, 0x800, 0x80, 0x40, 0x10, 0x4, 0x1};
    private static final String FLAG_LETTERS = "DOSZAPC";

    public VcpuRegisters {
        general = List.copyOf(general);
        if (general.size() != GENERAL_NAMES.size()) {
            throw new IllegalArgumentException("expected " + GENERAL_NAMES.size() + " general registers, got " + general.size());
        }
    }

    /**
     * QEMU's 64-bit layout, lines ending in '\n', for what KVM's regs and sregs hold: four general
     * registers a line; RIP, RFL with its flags, CPL and HLT (not QEMU's II, A20 and SMM); CS's
     * selector only (not its base, limit and attributes); the control registers; EFER.
     */
    public String format() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < general.size(); i++) {
            out.append(String.format(Locale.ROOT, "%-3s=%016x", GENERAL_NAMES.get(i), general.get(i)));
            out.append(i % 4 == 3 ? "\n" : " ");
        }
        StringBuilder flags = new StringBuilder();
        for (int i = 0; i < FLAG_BITS.length; i++) {
            flags.append((rflags & FLAG_BITS[i]) != 0 ? FLAG_LETTERS.charAt(i) : '-');
        }
        out.append(String.format(Locale.ROOT, "RIP=%016x RFL=%08x [%s] CPL=%d HLT=%d\n", rip, rflags, flags,
                csSelector & 3, halted ? 1 : 0));
        out.append(String.format(Locale.ROOT, "CS =%04x\n", csSelector));
        out.append(String.format(Locale.ROOT, "CR0=%08x CR2=%016x CR3=%016x CR4=%08x\n", cr0, cr2, cr3, cr4));
        out.append(String.format(Locale.ROOT, "EFER=%016x\n", efer));
        return out.toString();
    }
}
