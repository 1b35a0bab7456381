package io.hotvisor.vmm.kvm;

import java.nio.ByteBuffer;

/**
 * Why KVM_RUN returned, decoded from the vCPU's {@code kvm_run} page. Each {@link VcpuFd} owns one
 * instance of every kind and returns it from {@code run()}, so the exit path allocates nothing; an
 * exit is valid until the next {@code run()}.
 */
public sealed interface VcpuExit {

    /** Base of the exits that read their details from the run page. */
    abstract sealed class OnRunPage implements VcpuExit permits Io, Mmio, SystemEvent, InternalError, FailEntry, Unknown {
        final ByteBuffer run;

        OnRunPage(ByteBuffer run) {
            this.run = run;
        }
    }

    /** An IN/OUT (or INS/OUTS with count &gt; 1) to an I/O port. */
    final class Io extends OnRunPage {
        Io(ByteBuffer run) {
            super(run);
        }

        public boolean isOut() {
            return run.get(KvmAbi.RUN_IO_DIRECTION) == KvmAbi.KVM_EXIT_IO_OUT;
        }

        public int port() {
            return Short.toUnsignedInt(run.getShort(KvmAbi.RUN_IO_PORT));
        }

        public int size() {
            return run.get(KvmAbi.RUN_IO_SIZE);
        }

        public int count() {
            return run.getInt(KvmAbi.RUN_IO_COUNT);
        }

        private int dataOffset(int element) {
            return (int) run.getLong(KvmAbi.RUN_IO_DATA_OFFSET) + element * size();
        }

        /** Copies what the guest wrote for element {@code element} into {@code dst} (length = size). */
        public void copyOut(int element, byte[] dst) {
            run.get(dataOffset(element), dst, 0, dst.length);
        }

        /** Hands the guest the value it reads for element {@code element}. */
        public void copyIn(int element, byte[] src) {
            run.put(dataOffset(element), src, 0, src.length);
        }
    }

    /** A guest access to an address that is not RAM. */
    final class Mmio extends OnRunPage {
        Mmio(ByteBuffer run) {
            super(run);
        }

        public long address() {
            return run.getLong(KvmAbi.RUN_MMIO_PHYS_ADDR);
        }

        public int length() {
            return run.getInt(KvmAbi.RUN_MMIO_LEN);
        }

        public boolean isWrite() {
            return run.get(KvmAbi.RUN_MMIO_IS_WRITE) != 0;
        }

        public void copyOut(byte[] dst) {
            run.get(KvmAbi.RUN_MMIO_DATA, dst, 0, dst.length);
        }

        public void copyIn(byte[] src) {
            run.put(KvmAbi.RUN_MMIO_DATA, src, 0, src.length);
        }
    }

    /** KVM_EXIT_SYSTEM_EVENT: the guest asked for shutdown, reset or reported a crash. */
    final class SystemEvent extends OnRunPage {
        public static final int SHUTDOWN = 1;
        public static final int RESET = 2;
        public static final int CRASH = 3;

        SystemEvent(ByteBuffer run) {
            super(run);
        }

        public int type() {
            return run.getInt(KvmAbi.RUN_SYSTEM_EVENT_TYPE);
        }
    }

    /** KVM could not emulate or run the guest: a VM failure. */
    final class InternalError extends OnRunPage {
        InternalError(ByteBuffer run) {
            super(run);
        }

        public int suberror() {
            return run.getInt(KvmAbi.RUN_INTERNAL_SUBERROR);
        }
    }

    /** VM entry failed (invalid guest state): a VM failure. */
    final class FailEntry extends OnRunPage {
        FailEntry(ByteBuffer run) {
            super(run);
        }

        public long reason() {
            return run.getLong(KvmAbi.RUN_FAIL_ENTRY_REASON);
        }
    }

    /** An exit reason Hotvisor does not handle. */
    final class Unknown extends OnRunPage {
        Unknown(ByteBuffer run) {
            super(run);
        }

        public int reason() {
            return run.getInt(KvmAbi.RUN_EXIT_REASON);
        }
    }

    /** HLT reached user space (only without an in-kernel LAPIC). */
    enum Hlt implements VcpuExit { INSTANCE }

    /** Triple fault: the guest reset itself the hard way. */
    enum Shutdown implements VcpuExit { INSTANCE }

    /** KVM_RUN returned EINTR: the vCPU was kicked. */
    enum Interrupted implements VcpuExit { INSTANCE }
}
