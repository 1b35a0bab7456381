package io.hotvisor.vmm.api;

import java.io.Closeable;

/** The VM's serial console (COM1): recent output, live output and input. */
public interface VmConsole {
    /** The last {@code lines} lines of output (all buffered output if fewer). */
    String recentOutput(int lines);

    /** Every byte the guest writes from now on goes to the listener until the handle is closed. */
    Closeable attach(Listener listener);

    /** Bytes typed on the console; they reach the guest's UART receive buffer. */
    void sendInput(byte[] bytes);

    @FunctionalInterface
    interface Listener {
        /** Called on a vCPU thread: must not block. */
        void output(byte b);
    }
}
