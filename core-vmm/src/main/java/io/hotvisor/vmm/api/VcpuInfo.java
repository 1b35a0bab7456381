package io.hotvisor.vmm.api;

/**
 * One possible CPU. Topology: one socket, one thread per core, core id = APIC id.
 *
 * @param id           vCPU id = APIC id = ACPI processor UID
 * @param socketId     socket
 * @param coreId       core
 * @param threadId     thread within the core
 * @param state        what the guest can see
 * @param hostThreadId the kernel thread id of its vCPU thread, 0 when it has none
 */
public record VcpuInfo(int id, int socketId, int coreId, int threadId, State state, long hostThreadId) {
    public enum State {
        /** Not plugged. */
        ABSENT,
        /** Plugged; the guest has not picked it up yet. */
        PENDING_ADD,
        /** Plugged; the guest took the insert event but has not reported it online. */
        PRESENT,
        /** Running in the guest (boot CPUs, and hot-added ones the guest reported as added). */
        ONLINE,
        /** The guest was asked to eject it. */
        PENDING_REMOVE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public boolean plugged() {
        return state != State.ABSENT;
    }
}
