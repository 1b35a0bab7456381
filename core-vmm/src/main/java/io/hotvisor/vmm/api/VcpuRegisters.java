package io.hotvisor.vmm.api;

import java.util.List;
import java.util.Locale;

/**
 * A vCPU's registers as KVM holds them, for QEMU's {@code info registers} and for a diagnosis of a
 * guest that stopped answering (where it spins, or whether it halted).
 *
 * @param general RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8..R15, in this order
 * @param halted  the vCPU waits in HLT for an interrupt (KVM's mp_state HALTED)
 */
public record VcpuRegisters(List<Long> general, long rip, long rflags, int cs, long cr0, long cr2, long cr3, long cr4,
                            long efer, boolean halted) {
    /** The names of {@link #general()}, as QEMU prints them. */
    public static final List<String> GENERAL_NAMES = List.of("RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RSP", "RBP",
            "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15");

    public VcpuRegisters {
        general = List.copyOf(general);
        if (general.size() != GENERAL_NAMES.size()) {
            throw new IllegalArgumentException("expected " + GENERAL_NAMES.size() + " general registers, got " + general.size());
        }
    }

    /** QEMU's layout: four registers a line, then RIP, RFL and HLT, CS, and the control registers. */
    public String format() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < general.size(); i++) {
            out.append(String.format(Locale.ROOT, "%-3s=%016x", GENERAL_NAMES.get(i), general.get(i)));
            out.append(i % 4 == 3 ? "\n" : " ");
        }
        out.append(String.format(Locale.ROOT, "RIP=%016x RFL=%08x HLT=%d\n", rip, rflags, halted ? 1 : 0));
        out.append(String.format(Locale.ROOT, "CS =%04x\n", cs));
        out.append(String.format(Locale.ROOT, "CR0=%08x CR2=%016x CR3=%016x CR4=%08x\n", cr0, cr2, cr3, cr4));
        out.append(String.format(Locale.ROOT, "EFER=%016x\n", efer));
        return out.toString();
    }
}
