package io.hotvisor.vmm.virtio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.IoEvents;
import io.hotvisor.vmm.api.IoLoop;
import io.hotvisor.vmm.api.Pollable;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.api.pci.MsixCapability;
import io.hotvisor.vmm.api.pci.PciBar;
import io.hotvisor.vmm.api.pci.PciConfiguration;
import io.hotvisor.vmm.api.pci.PciDevice;
import io.hotvisor.vmm.api.pci.PciSlot;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import io.hotvisor.vmm.kvm.EventFd;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtio 1.x PCI transport (virtio 1.2 §4.1, modern only, as Cloud Hypervisor's
 * {@code pci_device.rs}): a {@link VirtioDevice} behind vendor-specific capabilities that point
 * into BAR 0, which holds the common configuration, the ISR, the device configuration, the
 * notification registers (each queue's an ioeventfd, so a kick wakes the I/O thread without a
 * vCPU exit) and the MSI-X table. The driver's accesses arrive on vCPU threads and the queue work
 * runs on the I/O thread; one lock orders them. A driver that breaks a queue's rules gets
 * {@code NEEDS_RESET}, and only this device stops.
 */
public final class VirtioPciTransport implements PciDevice {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioPciTransport.class);

    static final int VENDOR_ID = 0x1af4;
    static final int DEVICE_ID_BASE = 0x1040;
    static final int SUBSYSTEM_ID = 0x1100;
    static final int MODERN_REVISION = 1;

    static final int BAR = 0;
    static final long BAR_SIZE = 0x8000;
    static final int COMMON_OFFSET = 0x0000;
    static final int COMMON_SIZE = 0x38;
    static final int ISR_OFFSET = 0x1000;
    static final int DEVICE_OFFSET = 0x2000;
    static final int DEVICE_SIZE = 0x1000;
    static final int NOTIFY_OFFSET = 0x3000;
    static final int NOTIFY_MULTIPLIER = 4;
    static final int MSIX_TABLE_OFFSET = 0x4000;
    static final int MSIX_PBA_OFFSET = 0x6000;

    static final int CAP_VENDOR = 0x09;
    static final int CAP_COMMON = 1;
    static final int CAP_NOTIFY = 2;
    static final int CAP_ISR = 3;
    static final int CAP_DEVICE = 4;

    public static final long F_INDIRECT_DESC = 1L << 28;
    public static final long F_EVENT_IDX = 1L << 29;
    public static final long F_VERSION_1 = 1L << 32;

    static final int STATUS_ACKNOWLEDGE = 1;
    static final int STATUS_DRIVER = 2;
    static final int STATUS_DRIVER_OK = 4;
    static final int STATUS_FEATURES_OK = 8;
    static final int STATUS_NEEDS_RESET = 0x40;
    static final int NO_VECTOR = 0xFFFF;
    static final int ISR_QUEUE = 1;
    static final int ISR_CONFIG = 2;
    private static final long REPORT_INTERVAL_NANOS = 1_000_000_000L;

    private final String pluggedDeviceId;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final IoLoop ioLoop;
    private final IoEvents ioEvents;
    private final Consumer<String> errors;
    private final PciConfiguration configuration;
    private final MsixCapability msix;
    private final Virtqueue[] queues;
    private final int[] queueVectors;
    private final EventFd[] kicks;
    private final Registration[] kickWatches;
    private final Registration[] kickEvents;
    private final long offeredFeatures;
    private PciSlot slot;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private long driverFeatures;
    private int configVector = NO_VECTOR;
    private int status;
    private int configGeneration;
    private int queueSelect;
    private int isr;
    /** The queues handed to the device at DRIVER_OK; null while it is not active. */
    private Queues activation;
    private boolean closed;
    private long lastReportNanos = System.nanoTime() - REPORT_INTERVAL_NANOS;

    public VirtioPciTransport(String pluggedDeviceId, VirtioDevice device, GuestMemory memory, Interrupts interrupts,
                              IoLoop ioLoop, IoEvents ioEvents, Consumer<String> errors) {
        List<Integer> sizes = device.queueMaxSizes();
        if (sizes.isEmpty() || device.configSize() > DEVICE_SIZE) {
            throw new IllegalArgumentException("a virtio device needs 1 or more queues and at most " + DEVICE_SIZE
                    + " bytes of configuration");
        }
        this.pluggedDeviceId = Objects.requireNonNull(pluggedDeviceId, "pluggedDeviceId");
        this.device = device;
        this.memory = memory;
        this.ioLoop = ioLoop;
        this.ioEvents = ioEvents;
        this.errors = errors;
        this.offeredFeatures = device.features() | F_VERSION_1 | F_EVENT_IDX | F_INDIRECT_DESC;
        this.queues = sizes.stream().map(Virtqueue::new).toArray(Virtqueue[]::new);
        this.queueVectors = new int[queues.length];
        Arrays.fill(queueVectors, NO_VECTOR);
        this.configuration = new PciConfiguration(VENDOR_ID, DEVICE_ID_BASE + device.deviceType(), device.pciClass(),
                MODERN_REVISION).subsystem(VENDOR_ID, SUBSYSTEM_ID).interruptPin(1).bar(PciBar.memory32(BAR, BAR_SIZE));
        addVendorCapability(CAP_COMMON, COMMON_OFFSET, COMMON_SIZE, false);
        addVendorCapability(CAP_NOTIFY, NOTIFY_OFFSET, queues.length * NOTIFY_MULTIPLIER, true);
        addVendorCapability(CAP_ISR, ISR_OFFSET, 1, false);
        if (device.configSize() > 0) {
            addVendorCapability(CAP_DEVICE, DEVICE_OFFSET, device.configSize(), false);
        }
        this.msix = new MsixCapability(configuration, interrupts, queues.length + 1, BAR, MSIX_TABLE_OFFSET,
                MSIX_PBA_OFFSET);
        this.kicks = new EventFd[queues.length];
        this.kickWatches = new Registration[queues.length];
        this.kickEvents = new Registration[queues.length];
        try {
            for (int index = 0; index < queues.length; index++) {
                int queue = index;
                kicks[index] = EventFd.create();
                kickWatches[index] = ioLoop.watch(kicks[index], () -> kicked(queue));
            }
        } catch (RuntimeException e) {
            releaseKicks();
            throw e;
        }
    }

    /** virtio 1.2 §4.1.4: struct virtio_pci_cap (16 bytes), plus notify_off_multiplier for notify. */
    private void addVendorCapability(int type, int offset, int length, boolean notify) {
        int capabilityLength = notify ? 20 : 16;
        int at = configuration.addCapability(CAP_VENDOR, capabilityLength, null);
        configuration.putByte(at + 2, capabilityLength);
        configuration.putByte(at + 3, type);
        configuration.putByte(at + 4, BAR);
        configuration.putInt(at + 8, offset);
        configuration.putInt(at + 12, length);
        if (notify) {
            configuration.putInt(at + 16, NOTIFY_MULTIPLIER);
        }
    }

    @Override
    public PciConfiguration configuration() {
        return configuration;
    }

    @Override
    public Optional<String> pluggedDeviceId() {
        return Optional.of(pluggedDeviceId);
    }

    @Override
    public synchronized void plugged(PciSlot placed) {
        slot = placed;
    }

    @Override
    public synchronized void barMapped(int bar, long address) {
        for (int queue = 0; queue < queues.length; queue++) {
            try {
                kickEvents[queue] = ioEvents.mmio(address + NOTIFY_OFFSET + (long) queue * NOTIFY_MULTIPLIER, 0,
                        kicks[queue]);
            } catch (RuntimeException e) {
                // Kicks still arrive, through a vCPU exit and writeBar.
                LOG.warn("{}: no ioeventfd for queue {}: {}", this, queue, e.getMessage());
            }
        }
    }

    @Override
    public synchronized void barUnmapped(int bar) {
        for (int queue = 0; queue < queues.length; queue++) {
            if (kickEvents[queue] != null) {
                kickEvents[queue].close();
                kickEvents[queue] = null;
            }
        }
    }

    @Override
    public synchronized void readBar(int bar, long offset, byte[] data) {
        Arrays.fill(data, (byte) 0);
        if (msix.covers(bar, offset)) {
            msix.read(offset, data);
        } else if (within(offset, data.length, COMMON_OFFSET, COMMON_SIZE)) {
            readCommon((int) (offset - COMMON_OFFSET), data);
        } else if (offset == ISR_OFFSET) {
            data[0] = (byte) isr;
            isr = 0; // read to clear, which also lowers INTx
            if (slot != null) {
                slot.intx().set(false);
            }
        } else if (within(offset, data.length, DEVICE_OFFSET, device.configSize())) {
            device.readConfig((int) (offset - DEVICE_OFFSET), data);
        }
    }

    @Override
    public synchronized void writeBar(int bar, long offset, byte[] data) {
        if (msix.covers(bar, offset)) {
            msix.write(offset, data);
        } else if (within(offset, data.length, COMMON_OFFSET, COMMON_SIZE)) {
            writeCommon((int) (offset - COMMON_OFFSET), value(data), data.length);
        } else if (within(offset, data.length, DEVICE_OFFSET, device.configSize())) {
            device.writeConfig((int) (offset - DEVICE_OFFSET), data);
        } else if (within(offset, data.length, NOTIFY_OFFSET, (long) queues.length * NOTIFY_MULTIPLIER)) {
            kicks[(int) (offset - NOTIFY_OFFSET) / NOTIFY_MULTIPLIER].signal();
        }
    }

    private static boolean within(long offset, int length, long start, long size) {
        return offset >= start && offset + length <= start + size;
    }

    private static long value(byte[] data) {
        long value = 0;
        for (int i = data.length - 1; i >= 0; i--) {
            value = value << 8 | (data[i] & 0xFF);
        }
        return value;
    }

    private void readCommon(int offset, byte[] data) {
        long value = switch (offset) {
            case 0x00 -> deviceFeatureSelect;
            case 0x04 -> Integer.compareUnsigned(deviceFeatureSelect, 2) < 0 ? offeredFeatures >>> (32 * deviceFeatureSelect) & 0xFFFF_FFFFL : 0;
            case 0x08 -> driverFeatureSelect;
            case 0x0C -> Integer.compareUnsigned(driverFeatureSelect, 2) < 0 ? driverFeatures >>> (32 * driverFeatureSelect) & 0xFFFF_FFFFL : 0;
            case 0x10 -> configVector;
            case 0x12 -> queues.length;
            case 0x14 -> status;
            case 0x15 -> configGeneration;
            case 0x16 -> queueSelect;
            case 0x18 -> selected() == null ? 0 : selected().size();
            case 0x1A -> selected() == null ? NO_VECTOR : queueVectors[queueSelect];
            case 0x1C -> selected() != null && selected().ready() ? 1 : 0;
            case 0x1E -> selected() == null ? 0 : queueSelect;
            case 0x20, 0x24 -> half(selected() == null ? 0 : selected().descriptors().value(), offset - 0x20, data);
            case 0x28, 0x2C -> half(selected() == null ? 0 : selected().driverArea().value(), offset - 0x28, data);
            case 0x30, 0x34 -> half(selected() == null ? 0 : selected().deviceArea().value(), offset - 0x30, data);
            default -> 0; // unaligned or partial reads of a field: zeros
        };
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    /** A 64-bit field read whole (8 bytes at its start) or as two dwords. */
    private static long half(long field, int offsetInField, byte[] data) {
        return data.length == 8 ? field : field >>> (8 * offsetInField) & 0xFFFF_FFFFL;
    }

    private Virtqueue selected() {
        return queueSelect < queues.length ? queues[queueSelect] : null;
    }

    private void writeCommon(int offset, long value, int length) {
        Virtqueue queue = selected();
        switch (offset) {
            case 0x00 -> deviceFeatureSelect = (int) value;
            case 0x08 -> driverFeatureSelect = (int) value;
            case 0x0C -> {
                if ((status & STATUS_FEATURES_OK) == 0 && Integer.compareUnsigned(driverFeatureSelect, 2) < 0) {
                    int shift = 32 * driverFeatureSelect;
                    driverFeatures = driverFeatures & ~(0xFFFF_FFFFL << shift) | (value & 0xFFFF_FFFFL) << shift;
                }
            }
            case 0x10 -> configVector = vectorOrNone((int) value);
            case 0x14 -> writeStatus((int) value & 0xFF);
            case 0x16 -> queueSelect = (int) value & 0xFFFF;
            case 0x18 -> {
                if (queue != null && !queue.ready()) {
                    queue.size((int) value & 0xFFFF);
                }
            }
            case 0x1A -> {
                if (queue != null) {
                    queueVectors[queueSelect] = vectorOrNone((int) value & 0xFFFF);
                }
            }
            case 0x1C -> {
                if (queue != null && value == 1 && !queue.ready()) {
                    enableQueue(queue);
                }
            }
            case 0x20, 0x24 -> {
                if (queue != null && !queue.ready()) {
                    queue.descriptors(GuestAddress.of(merge(queue.descriptors().value(), offset - 0x20, value, length)));
                }
            }
            case 0x28, 0x2C -> {
                if (queue != null && !queue.ready()) {
                    queue.driverArea(GuestAddress.of(merge(queue.driverArea().value(), offset - 0x28, value, length)));
                }
            }
            case 0x30, 0x34 -> {
                if (queue != null && !queue.ready()) {
                    queue.deviceArea(GuestAddress.of(merge(queue.deviceArea().value(), offset - 0x30, value, length)));
                }
            }
            default -> {
                // Read-only fields and stray offsets: ignored, as the spec asks of the device.
            }
        }
    }

    private static long merge(long field, int offsetInField, long value, int length) {
        if (length == 8) {
            return value;
        }
        int shift = 8 * offsetInField;
        return field & ~(0xFFFF_FFFFL << shift) | (value & 0xFFFF_FFFFL) << shift;
    }

    /** The spec: a vector the table does not have reads back as NO_VECTOR, so the driver sees the mapping failed. */
    private int vectorOrNone(int vector) {
        return vector < msix.vectors() ? vector : NO_VECTOR;
    }

    private void enableQueue(Virtqueue queue) {
        try {
            queue.activate(memory, (driverFeatures & F_EVENT_IDX) != 0, (driverFeatures & F_INDIRECT_DESC) != 0);
        } catch (VirtqueueException e) {
            fail(e);
        }
    }

    /**
     * Status bits only accumulate (virtio 1.2 §2.1.2: the driver never clears one; 0 resets), so a
     * device is activated once per reset, and only after FEATURES_OK held.
     */
    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int accepted = value | status;
        if ((value & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0
                && ((driverFeatures & ~offeredFeatures) != 0 || (driverFeatures & F_VERSION_1) == 0)) {
            // The driver asked for something we did not offer, or for legacy: FEATURES_OK does not stick.
            accepted &= ~STATUS_FEATURES_OK;
        }
        boolean starting = (accepted & STATUS_DRIVER_OK) != 0 && (status & STATUS_DRIVER_OK) == 0
                && (accepted & STATUS_FEATURES_OK) != 0;
        status = accepted;
        if (starting && activation == null && (status & STATUS_NEEDS_RESET) == 0) {
            activation = new Queues();
            device.activate(activation);
        }
    }

    private void reset() {
        if (activation != null) {
            device.reset();
        }
        activation = null;
        for (Virtqueue queue : queues) {
            queue.reset();
        }
        Arrays.fill(queueVectors, NO_VECTOR);
        configVector = NO_VECTOR;
        driverFeatures = 0;
        deviceFeatureSelect = 0;
        driverFeatureSelect = 0;
        queueSelect = 0;
        status = 0;
        isr = 0;
        if (slot != null) {
            slot.intx().set(false);
        }
    }

    /** On the I/O thread: the driver kicked a queue. */
    private synchronized void kicked(int queue) {
        if (activation == null || (status & STATUS_NEEDS_RESET) != 0 || !queues[queue].ready()) {
            return;
        }
        try {
            device.queueNotified(queue);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void interrupt(int vector, int isrBit) {
        if (!msix.notify(vector)) {
            isr |= isrBit;
            if (slot != null) {
                slot.intx().set(true);
            }
        }
    }

    /**
     * The driver broke a queue's rules ({@link VirtqueueException}) or the backend failed (any
     * other exception): this device stops until the driver resets it; nothing else is affected.
     */
    private void fail(RuntimeException error) {
        String message = this + ": " + (error instanceof VirtqueueException ? error.getMessage() : error.toString())
                + "; the device needs a reset";
        boolean first = (status & STATUS_NEEDS_RESET) == 0;
        status |= STATUS_NEEDS_RESET;
        long now = System.nanoTime();
        boolean report = first && now - lastReportNanos >= REPORT_INTERVAL_NANOS;
        if (activation != null) {
            device.reset();
            activation = null;
        }
        if (first) {
            configGeneration++;
            interrupt(configVector, ISR_CONFIG);
        }
        if (report) {
            // A guest that breaks and resets the device in a loop gets one report a second, not a flood.
            lastReportNanos = now;
            LOG.warn(message, error instanceof VirtqueueException ? null : error);
            errors.accept(message);
        }
    }

    @Override
    public void removed() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            reset();
            barUnmapped(BAR);
            msix.close();
        }
        releaseKicks();
        device.close();
    }

    private void releaseKicks() {
        for (int queue = 0; queue < kicks.length; queue++) {
            if (kickWatches[queue] != null) {
                kickWatches[queue].close();
            }
            if (kicks[queue] != null) {
                kicks[queue].close();
            }
        }
    }

    @Override
    public String toString() {
        return "virtio device " + pluggedDeviceId + " (type " + device.deviceType() + ")"
                + (slot == null ? "" : " at " + slot.address());
    }

    /** The view an activated device works with; interrupts and failures go through the transport's lock. */
    private final class Queues implements VirtioQueues {
        @Override
        public Virtqueue queue(int index) {
            return queues[index];
        }

        @Override
        public GuestMemory memory() {
            return memory;
        }

        @Override
        public long features() {
            return driverFeatures;
        }

        @Override
        public void usedBuffers(int index) {
            synchronized (VirtioPciTransport.this) {
                if (activation == this && queues[index].needsInterrupt(memory)) {
                    interrupt(queueVectors[index], ISR_QUEUE);
                }
            }
        }

        @Override
        public void configChanged() {
            synchronized (VirtioPciTransport.this) {
                configGeneration++;
                interrupt(configVector, ISR_CONFIG);
            }
        }

        @Override
        public void fail(VirtqueueException error) {
            synchronized (VirtioPciTransport.this) {
                VirtioPciTransport.this.fail(error);
            }
        }

        /**
         * The I/O thread, with the transport's lock around each task and handler, and nothing run
         * once the device was reset since: a backend's late completion cannot race a reset.
         */
        @Override
        public IoLoop ioLoop() {
            return new IoLoop() {
                @Override
                public Registration watch(EventNotifier notifier, Runnable handler) {
                    return ioLoop.watch(notifier, () -> whileActive(handler));
                }

                @Override
                public Registration watchReadable(Pollable source, Runnable handler) {
                    return ioLoop.watchReadable(source, () -> whileActive(handler));
                }

                @Override
                public void execute(Runnable task) {
                    ioLoop.execute(() -> whileActive(task));
                }
            };
        }

        private void whileActive(Runnable work) {
            synchronized (VirtioPciTransport.this) {
                if (activation != this || (status & STATUS_NEEDS_RESET) != 0) {
                    return;
                }
                try {
                    work.run();
                } catch (RuntimeException e) {
                    VirtioPciTransport.this.fail(e);
                }
            }
        }
    }
}
