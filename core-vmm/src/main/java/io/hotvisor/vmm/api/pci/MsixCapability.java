package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.MsiVector;

/**
 * MSI-X for a device (PCI 3.0 §6.8.2): the capability in its configuration space, and the vector
 * table and pending-bit array (PBA) inside one of its BARs, which the device's
 * {@link PciDevice#readBar}/{@link PciDevice#writeBar} hand over when {@link #covers} says so.
 * A vector gets a GSI with an MSI route (and an irqfd) once the guest enables MSI-X and unmasks
 * it; {@link #notify} then costs one eventfd write. A masked vector's interrupt is remembered in
 * the PBA and delivered when the guest unmasks it. Whatever the guest writes, only this device's
 * interrupts are affected.
 */
public final class MsixCapability {
    public static final int CAPABILITY_ID = 0x11;
    public static final int CAPABILITY_LENGTH = 12;
    public static final int ENTRY_SIZE = 16;
    /** PCI 3.0: at most 2048 vectors (the table size field is 11 bits). */
    public static final int MAX_VECTORS = 2048;
    private static final int CONTROL = 2;
    private static final int CONTROL_ENABLE = 0x8000;
    private static final int CONTROL_FUNCTION_MASK = 0x4000;
    private static final int ENTRY_ADDRESS_LOW = 0;
    private static final int ENTRY_ADDRESS_HIGH = 4;
    private static final int ENTRY_DATA = 8;
    private static final int ENTRY_VECTOR_CONTROL = 12;
    private static final int VECTOR_MASKED = 1;

    private final PciConfiguration configuration;
    private final Interrupts interrupts;
    private final int capabilityOffset;
    private final int bar;
    private final long tableOffset;
    private final long pbaOffset;
    private final int[] table;
    private final long[] pending;
    private final MsiVector[] routes;
    private boolean enabled;
    private boolean functionMasked;

    /**
     * Adds the capability to {@code configuration}, with the table at {@code tableOffset} and the
     * PBA at {@code pbaOffset} of BAR {@code bar} (both 8-byte aligned; the device declares the BAR
     * large enough for {@link #tableBytes} and {@link #pbaBytes}).
     */
    public MsixCapability(PciConfiguration configuration, Interrupts interrupts, int vectors, int bar,
                          long tableOffset, long pbaOffset) {
        if (vectors < 1 || vectors > MAX_VECTORS) {
            throw new IllegalArgumentException("MSI-X needs 1 to " + MAX_VECTORS + " vectors, not " + vectors);
        }
        PciBar declared = configuration.bar(bar).orElseThrow(() -> new IllegalArgumentException(
                "MSI-X table BAR " + bar + " is not declared"));
        if (tableOffset % 8 != 0 || pbaOffset % 8 != 0 || tableOffset + tableBytes(vectors) > declared.size()
                || pbaOffset + pbaBytes(vectors) > declared.size()
                || (tableOffset < pbaOffset + pbaBytes(vectors) && pbaOffset < tableOffset + tableBytes(vectors))) {
            throw new IllegalArgumentException(String.format(
                    "MSI-X table at 0x%x and PBA at 0x%x must be 8-byte aligned, apart, and inside BAR %d (0x%x bytes)",
                    tableOffset, pbaOffset, bar, declared.size()));
        }
        this.configuration = configuration;
        this.interrupts = interrupts;
        this.bar = bar;
        this.tableOffset = tableOffset;
        this.pbaOffset = pbaOffset;
        this.table = new int[vectors * ENTRY_SIZE / 4];
        this.pending = new long[(vectors + 63) / 64];
        this.routes = new MsiVector[vectors];
        for (int vector = 0; vector < vectors; vector++) {
            table[vector * 4 + ENTRY_VECTOR_CONTROL / 4] = VECTOR_MASKED;
        }
        this.capabilityOffset = configuration.addCapability(CAPABILITY_ID, CAPABILITY_LENGTH,
                (offset, length) -> controlWritten());
        configuration.putShort(capabilityOffset + CONTROL, vectors - 1);
        configuration.putInt(capabilityOffset + 4, (int) tableOffset | bar);
        configuration.putInt(capabilityOffset + 8, (int) pbaOffset | bar);
        configuration.setWritable(capabilityOffset + CONTROL, 2, CONTROL_ENABLE | CONTROL_FUNCTION_MASK);
    }

    public static long tableBytes(int vectors) {
        return (long) vectors * ENTRY_SIZE;
    }

    public static long pbaBytes(int vectors) {
        return (vectors + 63) / 64 * 8L;
    }

    public int vectors() {
        return routes.length;
    }

    /** Whether a BAR access at {@code offset} of {@code bar} is the table's or the PBA's. */
    public boolean covers(int bar, long offset) {
        return bar == this.bar && (within(offset, tableOffset, tableBytes(routes.length))
                || within(offset, pbaOffset, pbaBytes(routes.length)));
    }

    private static boolean within(long offset, long start, long length) {
        return offset >= start && offset < start + length;
    }

    public synchronized boolean enabled() {
        return enabled;
    }

    public synchronized void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) byteAt(offset + i);
        }
    }

    private int byteAt(long offset) {
        if (within(offset, tableOffset, tableBytes(routes.length))) {
            int index = (int) (offset - tableOffset);
            return table[index / 4] >>> (8 * (index % 4)) & 0xFF;
        }
        if (within(offset, pbaOffset, pbaBytes(routes.length))) {
            int index = (int) (offset - pbaOffset);
            return (int) (pending[index / 8] >>> (8 * (index % 8))) & 0xFF;
        }
        return 0;
    }

    /** The guest writes the table (the PBA is read-only); whole entries or parts of them. */
    public synchronized void write(long offset, byte[] data) {
        int firstTouched = Integer.MAX_VALUE;
        int lastTouched = -1;
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            if (!within(at, tableOffset, tableBytes(routes.length))) {
                continue;
            }
            int index = (int) (at - tableOffset);
            int shift = 8 * (index % 4);
            table[index / 4] = table[index / 4] & ~(0xFF << shift) | (data[i] & 0xFF) << shift;
            firstTouched = Math.min(firstTouched, index / ENTRY_SIZE);
            lastTouched = Math.max(lastTouched, index / ENTRY_SIZE);
        }
        for (int vector = firstTouched; vector <= lastTouched; vector++) {
            vectorChanged(vector);
        }
    }

    /**
     * The device signals {@code vector}: delivered now, or left pending while it is masked.
     * Returns false when MSI-X is off, so the device can raise INTx instead.
     */
    public synchronized boolean notify(int vector) {
        if (!enabled) {
            return false;
        }
        if (vector < 0 || vector >= routes.length) {
            return true; // The guest programmed a queue with a vector the table lacks: nothing to raise.
        }
        if (masked(vector)) {
            pending[vector / 64] |= 1L << vector;
        } else {
            routes[vector].trigger();
        }
        return true;
    }

    private boolean masked(int vector) {
        return functionMasked || (table[vector * 4 + ENTRY_VECTOR_CONTROL / 4] & VECTOR_MASKED) != 0;
    }

    private void controlWritten() {
        int control;
        synchronized (this) {
            control = configuration.getShort(capabilityOffset + CONTROL);
            boolean nowEnabled = (control & CONTROL_ENABLE) != 0;
            functionMasked = (control & CONTROL_FUNCTION_MASK) != 0;
            if (enabled && !nowEnabled) {
                releaseRoutes();
            }
            enabled = nowEnabled;
            for (int vector = 0; vector < routes.length; vector++) {
                vectorChanged(vector);
            }
        }
    }

    /** An unmasked vector has a route to where its entry points; a pending one fires on unmask. */
    private void vectorChanged(int vector) {
        if (!enabled || masked(vector)) {
            return;
        }
        int entry = vector * 4;
        long address = Integer.toUnsignedLong(table[entry + ENTRY_ADDRESS_LOW / 4])
                | (long) table[entry + ENTRY_ADDRESS_HIGH / 4] << 32;
        if (routes[vector] == null) {
            routes[vector] = interrupts.allocateMsi();
        }
        routes[vector].route(address, table[entry + ENTRY_DATA / 4]);
        if ((pending[vector / 64] & 1L << vector) != 0) {
            pending[vector / 64] &= ~(1L << vector);
            routes[vector].trigger();
        }
    }

    private void releaseRoutes() {
        for (int vector = 0; vector < routes.length; vector++) {
            if (routes[vector] != null) {
                routes[vector].close();
                routes[vector] = null;
            }
        }
    }

    /** Frees every vector's GSI and irqfd (the device is leaving the bus). */
    public synchronized void close() {
        releaseRoutes();
        enabled = false;
    }
}
