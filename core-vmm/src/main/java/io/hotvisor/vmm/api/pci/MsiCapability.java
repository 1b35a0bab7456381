package io.hotvisor.vmm.api.pci;

import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.MsiVector;

/**
 * MSI for a device (PCI 3.0 §6.8.1), the 64-bit form with per-vector masking: one address, one
 * data value whose low bits number the vectors the guest enabled, mask and pending bits in the
 * capability itself. Like {@link MsixCapability}, an enabled and unmasked vector gets a GSI with
 * an MSI route and an irqfd, a masked one's interrupt waits in the pending bits, and whatever the
 * guest writes only affects this device's interrupts.
 */
public final class MsiCapability {
    public static final int CAPABILITY_ID = 0x05;
    public static final int CAPABILITY_LENGTH = 24;
    public static final int MAX_VECTORS = 32;
    private static final int CONTROL = 2;
    private static final int ADDRESS_LOW = 4;
    private static final int ADDRESS_HIGH = 8;
    private static final int DATA = 12;
    private static final int MASK = 16;
    private static final int PENDING = 20;
    private static final int CONTROL_ENABLE = 0x1;
    private static final int CONTROL_MULTIPLE_ENABLE_SHIFT = 4;
    private static final int CONTROL_64_BIT = 0x80;
    private static final int CONTROL_PER_VECTOR_MASK = 0x100;

    private final PciConfiguration configuration;
    private final Interrupts interrupts;
    private final int offset;
    private final int vectors;
    private final MsiVector[] routes;

    /** Adds the capability to {@code configuration} for {@code vectors} vectors (a power of two up to 32). */
    public MsiCapability(PciConfiguration configuration, Interrupts interrupts, int vectors) {
        if (vectors < 1 || vectors > MAX_VECTORS || Integer.bitCount(vectors) != 1) {
            throw new IllegalArgumentException("MSI needs a power of two from 1 to " + MAX_VECTORS + " vectors, not " + vectors);
        }
        this.configuration = configuration;
        this.interrupts = interrupts;
        this.vectors = vectors;
        this.routes = new MsiVector[vectors];
        this.offset = configuration.addCapability(CAPABILITY_ID, CAPABILITY_LENGTH, (at, length) -> written());
        int multipleCapable = Integer.numberOfTrailingZeros(vectors);
        configuration.putShort(offset + CONTROL, multipleCapable << 1 | CONTROL_64_BIT | CONTROL_PER_VECTOR_MASK);
        configuration.setWritable(offset + CONTROL, 2, CONTROL_ENABLE | 0x7 << CONTROL_MULTIPLE_ENABLE_SHIFT);
        configuration.setWritable(offset + ADDRESS_LOW, 4, ~0x3);
        configuration.setWritable(offset + ADDRESS_HIGH, 4, ~0);
        configuration.setWritable(offset + DATA, 2, 0xFFFF);
        configuration.setWritable(offset + MASK, 4, vectors == 32 ? ~0 : (1 << vectors) - 1);
    }

    /** Vectors the guest enabled: 2^(multiple message enable), at most what the device offers. */
    private int enabledVectors() {
        int exponent = configuration.getShort(offset + CONTROL) >> CONTROL_MULTIPLE_ENABLE_SHIFT & 0x7;
        return Math.min(1 << exponent, vectors);
    }

    private boolean enabled() {
        return (configuration.getShort(offset + CONTROL) & CONTROL_ENABLE) != 0;
    }

    private boolean masked(int vector) {
        return (configuration.getInt(offset + MASK) & 1 << vector) != 0;
    }

    /**
     * The device signals {@code vector}: delivered now, or held pending while masked. Returns
     * false when MSI is off, so the device can raise INTx instead.
     */
    public synchronized boolean notify(int vector) {
        if (!enabled()) {
            return false;
        }
        if (vector < 0 || vector >= enabledVectors()) {
            return true; // a vector the guest did not enable: nothing to raise
        }
        if (masked(vector)) {
            configuration.putInt(offset + PENDING, configuration.getInt(offset + PENDING) | 1 << vector);
        } else {
            route(vector).trigger();
        }
        return true;
    }

    /** The guest wrote the capability: follow enable, vector count, address, data and masks. */
    private synchronized void written() {
        if (!enabled()) {
            release();
            return;
        }
        int count = enabledVectors();
        for (int vector = 0; vector < vectors; vector++) {
            if (vector >= count) {
                closeRoute(vector);
            } else if (!masked(vector)) {
                MsiVector route = route(vector);
                int pending = configuration.getInt(offset + PENDING);
                if ((pending & 1 << vector) != 0) {
                    configuration.putInt(offset + PENDING, pending & ~(1 << vector));
                    route.trigger();
                }
            }
        }
    }

    /** The vector's GSI, routed to where the capability points now (vector number in the data's low bits). */
    private MsiVector route(int vector) {
        if (routes[vector] == null) {
            routes[vector] = interrupts.allocateMsi();
        }
        long address = Integer.toUnsignedLong(configuration.getInt(offset + ADDRESS_LOW))
                | (long) configuration.getInt(offset + ADDRESS_HIGH) << 32;
        int data = configuration.getShort(offset + DATA);
        int lowBits = enabledVectors() - 1;
        routes[vector].route(address, data & ~lowBits | vector);
        return routes[vector];
    }

    private void closeRoute(int vector) {
        if (routes[vector] != null) {
            routes[vector].close();
            routes[vector] = null;
        }
    }

    private void release() {
        for (int vector = 0; vector < vectors; vector++) {
            closeRoute(vector);
        }
    }

    /** Frees every vector's GSI and irqfd (the device is leaving the bus). */
    public synchronized void close() {
        release();
    }
}
