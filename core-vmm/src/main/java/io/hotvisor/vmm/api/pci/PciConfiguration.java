package io.hotvisor.vmm.api.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A type 0 (endpoint) configuration space with the semantics guests rely on: per-bit write masks
 * (everything not writable is read-only), write-1-to-clear status bits, BAR sizing (the address
 * bits below a BAR's size read as zero), and a capability list. The device sets it up before it
 * is plugged; afterwards the guest writes through {@link #write} and the core and the device read
 * it. Only the 256-byte conventional space exists; ECAM's extended space reads as zero, i.e. no
 * extended capabilities. Thread-safe: vCPU threads write it while an I/O thread reads it.
 */
public final class PciConfiguration {
    public static final int SIZE = 256;

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_CODE = 0x09;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int CAPABILITIES_POINTER = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_BUS_MASTER = 0x4;
    public static final int COMMAND_INTX_DISABLE = 0x400;
    /** I/O, memory, bus master, parity error response, SERR#, INTx disable. */
    private static final int COMMAND_WRITABLE = COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER | 0x40 | 0x100
            | COMMAND_INTX_DISABLE;

    public static final int STATUS_INTERRUPT = 0x08;
    public static final int STATUS_CAPABILITIES = 0x10;
    /** Parity, signalled/received aborts, SERR#, detected parity error: cleared by writing 1. */
    private static final int STATUS_WRITE_ONE_TO_CLEAR = 0xF900;

    private static final int FIRST_CAPABILITY = 0x40;

    /** Told after the guest wrote a capability's bytes, so the device can act (MSI-X enable, ...). */
    public interface CapabilityListener {
        void written(int offsetInCapability, int length);
    }

    private record Capability(int offset, int length, CapabilityListener listener) {
    }

    private final byte[] bytes = new byte[SIZE];
    private final byte[] writable = new byte[SIZE];
    private final byte[] writeOneToClear = new byte[SIZE];
    private final PciBar[] bars = new PciBar[PciBar.COUNT];
    private final List<Capability> capabilities = new ArrayList<>();
    private int nextCapability = FIRST_CAPABILITY;

    /**
     * @param vendorId  PCI vendor id
     * @param deviceId  device id
     * @param classCode class, subclass and programming interface, as 0xCCSSPP
     * @param revision  revision id
     */
    public PciConfiguration(int vendorId, int deviceId, int classCode, int revision) {
        putShort(VENDOR_ID, vendorId);
        putShort(DEVICE_ID, deviceId);
        bytes[REVISION_ID] = (byte) revision;
        bytes[CLASS_CODE] = (byte) classCode;
        bytes[CLASS_CODE + 1] = (byte) (classCode >> 8);
        bytes[CLASS_CODE + 2] = (byte) (classCode >> 16);
        setWritable(COMMAND, 2, COMMAND_WRITABLE);
        putShort(writeOneToClear, STATUS, STATUS_WRITE_ONE_TO_CLEAR);
        writable[INTERRUPT_LINE] = (byte) 0xFF;
    }

    public synchronized PciConfiguration subsystem(int vendorId, int subsystemId) {
        putShort(SUBSYSTEM_VENDOR_ID, vendorId);
        putShort(SUBSYSTEM_ID, subsystemId);
        return this;
    }

    /** Declares which INTx pin the device drives (1 = INTA# ... 4 = INTD#). */
    public synchronized PciConfiguration interruptPin(int pin) {
        if (pin < 1 || pin > 4) {
            throw new IllegalArgumentException("interrupt pin " + pin + " must be 1 (INTA#) to 4 (INTD#)");
        }
        bytes[INTERRUPT_PIN] = (byte) pin;
        return this;
    }

    /** Declares a BAR; its address is 0 until the core assigns one. */
    public synchronized PciConfiguration bar(PciBar bar) {
        int registers = bar.kind() == PciBar.Kind.MEMORY_64 ? 2 : 1;
        for (int i = bar.index(); i < bar.index() + registers; i++) {
            if (barRegisterInUse(i)) {
                throw new IllegalArgumentException("BAR register " + i + " is already used");
            }
        }
        bars[bar.index()] = bar;
        int offset = BAR0 + 4 * bar.index();
        putInt(offset, bar.typeBits());
        long addressMask = -bar.size();
        setWritable(offset, 4, (int) addressMask & (bar.kind() == PciBar.Kind.IO ? ~0x3 : ~0xF));
        if (registers == 2) {
            setWritable(offset + 4, 4, (int) (addressMask >>> 32));
        }
        return this;
    }

    private boolean barRegisterInUse(int register) {
        return bars[register] != null
                || (register > 0 && bars[register - 1] != null && bars[register - 1].kind() == PciBar.Kind.MEMORY_64);
    }

    /**
     * Appends a capability of {@code length} bytes (id and next pointer included) to the list and
     * returns its offset. Its bytes after the header are read-only unless made writable with
     * {@link #setWritable}; {@code listener} hears of the guest's writes to it.
     */
    public synchronized int addCapability(int id, int length, CapabilityListener listener) {
        if (length < 2) {
            throw new IllegalArgumentException("capability 0x" + Integer.toHexString(id) + ": length " + length
                    + " leaves no room for its id and next pointer");
        }
        int offset = nextCapability;
        if (offset + length > SIZE) {
            throw new IllegalArgumentException("capability 0x" + Integer.toHexString(id) + " (" + length
                    + " bytes) does not fit in the configuration space");
        }
        bytes[offset] = (byte) id;
        if (capabilities.isEmpty()) {
            bytes[CAPABILITIES_POINTER] = (byte) offset;
            putShort(STATUS, getShort(STATUS) | STATUS_CAPABILITIES);
        } else {
            bytes[capabilities.get(capabilities.size() - 1).offset() + 1] = (byte) offset;
        }
        capabilities.add(new Capability(offset, length, listener));
        nextCapability = (offset + length + 3) & ~3;
        return offset;
    }

    /** Makes {@code mask}'s bits of the {@code length} bytes at {@code offset} writable by the guest. */
    public synchronized void setWritable(int offset, int length, long mask) {
        checkRange(offset, length);
        for (int i = 0; i < length; i++) {
            writable[offset + i] = (byte) (mask >>> (8 * i));
        }
    }

    /** The guest reads {@code data.length} bytes (1, 2 or 4) at {@code offset}. */
    public synchronized void read(int offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            int at = offset + i;
            data[i] = at >= 0 && at < SIZE ? bytes[at] : 0;
        }
    }

    /**
     * The guest writes: only writable bits change, write-1-to-clear bits clear where it writes 1,
     * and a capability whose bytes it touched hears of it. Bytes beyond the conventional space
     * are ignored.
     */
    public void write(int offset, byte[] data) {
        List<Runnable> notifications = new ArrayList<>(1);
        synchronized (this) {
            for (int i = 0; i < data.length; i++) {
                int at = offset + i;
                if (at < 0 || at >= SIZE) {
                    continue;
                }
                int value = data[i];
                bytes[at] = (byte) ((bytes[at] & ~writable[at]) | (value & writable[at]));
                bytes[at] = (byte) (bytes[at] & ~(value & writeOneToClear[at]));
            }
            for (Capability capability : capabilities) {
                int start = Math.max(offset, capability.offset());
                int end = Math.min(offset + data.length, capability.offset() + capability.length());
                if (start < end && capability.listener() != null) {
                    notifications.add(() -> capability.listener().written(start - capability.offset(), end - start));
                }
            }
        }
        // Outside the lock: a listener may program interrupt routes, which must not nest in it.
        notifications.forEach(Runnable::run);
    }

    public synchronized int getByte(int offset) {
        checkRange(offset, 1);
        return Byte.toUnsignedInt(bytes[offset]);
    }

    public synchronized int getShort(int offset) {
        checkRange(offset, 2);
        return Byte.toUnsignedInt(bytes[offset]) | Byte.toUnsignedInt(bytes[offset + 1]) << 8;
    }

    public synchronized int getInt(int offset) {
        checkRange(offset, 4);
        return getShort(offset) | getShort(offset + 2) << 16;
    }

    /** Sets bytes as the device (not the guest) sees fit, ignoring the write masks. */
    public synchronized void putByte(int offset, int value) {
        checkRange(offset, 1);
        bytes[offset] = (byte) value;
    }

    public synchronized void putShort(int offset, int value) {
        putShort(bytes, offset, value);
    }

    public synchronized void putInt(int offset, int value) {
        putShort(bytes, offset, value);
        putShort(bytes, offset + 2, value >>> 16);
    }

    public synchronized boolean commandSet(int bits) {
        return (getShort(COMMAND) & bits) == bits;
    }

    /** The status register's interrupt bit, which the core keeps in step with the INTx line. */
    public synchronized void interruptStatus(boolean pending) {
        int status = getShort(STATUS);
        putShort(STATUS, pending ? status | STATUS_INTERRUPT : status & ~STATUS_INTERRUPT);
    }

    public synchronized List<PciBar> bars() {
        List<PciBar> declared = new ArrayList<>();
        for (PciBar bar : bars) {
            if (bar != null) {
                declared.add(bar);
            }
        }
        return declared;
    }

    public synchronized Optional<PciBar> bar(int index) {
        return index >= 0 && index < PciBar.COUNT ? Optional.ofNullable(bars[index]) : Optional.empty();
    }

    /** The address the BAR holds now (the guest may have moved it, or be sizing it). */
    public synchronized long barAddress(int index) {
        PciBar bar = bars[index];
        if (bar == null) {
            throw new IllegalArgumentException("BAR " + index + " is not declared");
        }
        int offset = BAR0 + 4 * index;
        long low = Integer.toUnsignedLong(getInt(offset)) & (bar.kind() == PciBar.Kind.IO ? ~0x3L : ~0xFL);
        return bar.kind() == PciBar.Kind.MEMORY_64 ? low | (long) getInt(offset + 4) << 32 : low;
    }

    /** Assigns a BAR's address (the core does this before the guest sees the device). */
    public synchronized void barAddress(int index, long address) {
        PciBar bar = bars[index];
        if (bar == null) {
            throw new IllegalArgumentException("BAR " + index + " is not declared");
        }
        if (address % bar.size() != 0 || (bar.kind() != PciBar.Kind.MEMORY_64 && address >>> 32 != 0)) {
            throw new IllegalArgumentException(String.format("BAR %d: address 0x%x is not aligned to its size 0x%x%s",
                    index, address, bar.size(), bar.kind() == PciBar.Kind.MEMORY_64 ? "" : " or is above 4 GiB"));
        }
        int offset = BAR0 + 4 * index;
        putInt(offset, (int) address | bar.typeBits());
        if (bar.kind() == PciBar.Kind.MEMORY_64) {
            putInt(offset + 4, (int) (address >>> 32));
        }
    }

    private void putShort(byte[] target, int offset, int value) {
        checkRange(offset, 2);
        target[offset] = (byte) value;
        target[offset + 1] = (byte) (value >>> 8);
    }

    private static void checkRange(int offset, int length) {
        if (offset < 0 || offset + length > SIZE) {
            throw new IllegalArgumentException("configuration space offset 0x" + Integer.toHexString(offset) + "+"
                    + length + " lies outside its " + SIZE + " bytes");
        }
    }
}
