package io.hotvisor.vmm.devices;

import io.hotvisor.vmm.api.InterruptLine;
import io.hotvisor.vmm.api.PioDevice;
import java.util.ArrayDeque;

/**
 * A 16550A UART (8 ports). Transmit is immediate (THR always empty); received bytes queue in a
 * FIFO. Interrupts: received data and THR empty, reported through IIR by priority, driven onto a
 * level interrupt line. Modem loopback is emulated because Linux's 8250 driver probes it.
 */
public final class Serial16550 implements PioDevice {
    /** Where transmitted bytes go. Called with the device lock held: must not call back in. */
    @FunctionalInterface
    public interface Output {
        void write(byte b);
    }

    static final int DATA = 0;          // RBR / THR, DLL when DLAB
    static final int IER = 1;           // DLM when DLAB
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RX_DATA = 0x01;
    static final int IER_THR_EMPTY = 0x02;
    static final int IIR_NONE = 0x01;
    static final int IIR_THR_EMPTY = 0x02;
    static final int IIR_RX_DATA = 0x04;
    static final int IIR_FIFO_ENABLED = 0xC0;
    static final int LCR_DLAB = 0x80;
    static final int LSR_DATA_READY = 0x01;
    static final int LSR_THR_EMPTY = 0x20;
    static final int LSR_IDLE = 0x40;
    static final int MCR_LOOP = 0x10;
    static final int MSR_DEFAULT = 0xB0; // DCD, DSR, CTS
    static final int RX_CAPACITY = 4096;

    private final InterruptLine irq;
    private final Output output;
    private final ArrayDeque<Byte> rx = new ArrayDeque<>();
    private int ier;
    private int lcr = 0x03;
    private int mcr = 0x08;
    private int scr;
    private int dll = 0x0C;
    private int dlm;
    private boolean fifoEnabled;
    private boolean thrEmptyPending;
    private boolean lineAsserted;

    public Serial16550(InterruptLine irq, Output output) {
        this.irq = irq;
        this.output = output;
    }

    /** Bytes typed on the host side; dropped beyond the FIFO's capacity. Returns how many were taken. */
    public synchronized int receive(byte[] bytes) {
        int taken = 0;
        for (byte b : bytes) {
            if (rx.size() >= RX_CAPACITY) {
                break;
            }
            rx.add(b);
            taken++;
        }
        updateInterrupt();
        return taken;
    }

    @Override
    public synchronized void read(int offset, byte[] data) {
        data[0] = (byte) readRegister(offset);
        for (int i = 1; i < data.length; i++) {
            data[i] = 0;
        }
        updateInterrupt();
    }

    @Override
    public synchronized void write(int offset, byte[] data) {
        writeRegister(offset, data[0] & 0xFF);
        updateInterrupt();
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private int readRegister(int offset) {
        switch (offset) {
            case DATA:
                if (dlab()) {
                    return dll;
                }
                Byte b = rx.poll();
                return b == null ? 0 : b & 0xFF;
            case IER:
                return dlab() ? dlm : ier;
            case IIR_FCR: {
                int iir = pendingInterrupt();
                if (iir == IIR_THR_EMPTY) {
                    thrEmptyPending = false; // reading IIR acknowledges THR empty
                }
                return iir | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
            }
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR:
                return LSR_THR_EMPTY | LSR_IDLE | (rx.isEmpty() ? 0 : LSR_DATA_READY);
            case MSR:
                return (mcr & MCR_LOOP) != 0 ? loopbackModemStatus() : MSR_DEFAULT;
            case SCR:
                return scr;
            default:
                return 0;
        }
    }

    private void writeRegister(int offset, int value) {
        switch (offset) {
            case DATA:
                if (dlab()) {
                    dll = value;
                } else if ((mcr & MCR_LOOP) != 0) {
                    if (rx.size() < RX_CAPACITY) {
                        rx.add((byte) value);
                    }
                    thrEmptyPending = true;
                } else {
                    output.write((byte) value);
                    thrEmptyPending = true;
                }
                break;
            case IER:
                if (dlab()) {
                    dlm = value;
                } else {
                    boolean thrEnabledNow = (value & IER_THR_EMPTY) != 0 && (ier & IER_THR_EMPTY) == 0;
                    ier = value & 0x0F;
                    if (thrEnabledNow) {
                        thrEmptyPending = true;
                    }
                }
                break;
            case IIR_FCR:
                fifoEnabled = (value & 0x01) != 0;
                if ((value & 0x02) != 0) {
                    rx.clear();
                }
                break;
            case LCR:
                lcr = value;
                break;
            case MCR:
                mcr = value & 0x1F;
                break;
            case SCR:
                scr = value;
                break;
            default:
                break; // LSR and MSR are read-only
        }
    }

    /** In loopback, DTR/RTS/OUT1/OUT2 come back as DSR/CTS/RI/DCD. */
    private int loopbackModemStatus() {
        int status = 0;
        if ((mcr & 0x01) != 0) {
            status |= 0x20;
        }
        if ((mcr & 0x02) != 0) {
            status |= 0x10;
        }
        if ((mcr & 0x04) != 0) {
            status |= 0x40;
        }
        if ((mcr & 0x08) != 0) {
            status |= 0x80;
        }
        return status;
    }

    private int pendingInterrupt() {
        if ((ier & IER_RX_DATA) != 0 && !rx.isEmpty()) {
            return IIR_RX_DATA;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrEmptyPending) {
            return IIR_THR_EMPTY;
        }
        return IIR_NONE;
    }

    private void updateInterrupt() {
        boolean assert_ = pendingInterrupt() != IIR_NONE;
        if (assert_ != lineAsserted) {
            lineAsserted = assert_;
            irq.set(assert_);
        }
    }
}
