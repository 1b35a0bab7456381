package io.hotvisor.vmm.runtime;

import io.hotvisor.vmm.api.Interrupts;
import io.hotvisor.vmm.api.LevelIrqfd;
import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.kvm.EventFd;
import io.hotvisor.vmm.kvm.GsiRoute;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.VmFd;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The VM's GSI routing table and its MSI vectors. KVM_SET_GSI_ROUTING replaces the whole table,
 * so this one starts as the table KVM_CREATE_IRQCHIP installs (kvm_setup_default_irq_routing)
 * and every table it pushes carries those IOAPIC and PIC routes along with the MSI routes. MSI
 * vectors get GSIs from 24 up, lowest free first. Each vector's eventfd is bound to its GSI as an
 * irqfd, so raising it from any thread is one eventfd write. Thread-safe: vCPU threads program
 * routes while the I/O thread triggers.
 */
final class InterruptRouting implements Interrupts, AutoCloseable {
    /** Two cascaded 8259s of eight pins each: GSIs 0-7 on the master, 8-15 on the slave. */
    private static final int PIC_PINS = 16;
    private static final int PINS_PER_PIC = 8;
    private static final int IOAPIC_PINS = 24;
    /** The first GSI past the IOAPIC's pins is the first one for MSI vectors. */
    static final int FIRST_MSI_GSI = IOAPIC_PINS;
    /**
     * KVM's default x86 table, in its order: each GSI 0-15 to the IOAPIC pin of that number and to
     * its PIC pin, GSIs 16-23 to the IOAPIC only.
     */
    static final List<GsiRoute> KVM_DEFAULT_ROUTES = kvmDefaultRoutes();

    /** The VM-level KVM calls the table makes: a VmFd in a machine, a fake in unit tests. */
    interface Irqchip {
        void setGsiRouting(List<GsiRoute> routes);

        void assignIrqfd(EventFd eventFd, int gsi);

        void deassignIrqfd(EventFd eventFd, int gsi);

        void assignLevelIrqfd(EventFd trigger, EventFd resample, int gsi);

        boolean signalMsi(long address, int data);

        static Irqchip of(VmFd vm) {
            return new Irqchip() {
                @Override
                public void setGsiRouting(List<GsiRoute> routes) {
                    vm.setGsiRouting(routes);
                }

                @Override
                public void assignIrqfd(EventFd eventFd, int gsi) {
                    vm.assignIrqfd(eventFd, gsi);
                }

                @Override
                public void deassignIrqfd(EventFd eventFd, int gsi) {
                    vm.deassignIrqfd(eventFd, gsi);
                }

                @Override
                public void assignLevelIrqfd(EventFd trigger, EventFd resample, int gsi) {
                    vm.assignLevelIrqfd(trigger, resample, gsi);
                }

                @Override
                public boolean signalMsi(long address, int data) {
                    return vm.signalMsi(address, data);
                }
            };
        }
    }

    private final Irqchip irqchip;
    private final int msiGsiCount;
    /** Bit n: GSI {@code FIRST_MSI_GSI + n} belongs to an open vector. */
    private final BitSet usedMsiGsis = new BitSet();
    private final SortedMap<Integer, GsiRoute.Msi> msiRoutes = new TreeMap<>();
    private final Map<Integer, Vector> vectors = new HashMap<>();
    private final List<LevelLine> levelIrqfds = new ArrayList<>();
    private boolean closed;

    /**
     * {@code maxRoutes} bounds both the entries of a table and the GSIs in it (KVM_MAX_IRQ_ROUTES,
     * 4096 on x86, which KVM_CAP_IRQ_ROUTING answers). The default routes take 40 entries, so
     * {@code maxRoutes - 40} MSI vectors fit, on GSIs that all stay below {@code maxRoutes}.
     */
    InterruptRouting(Irqchip irqchip, int maxRoutes) {
        if (maxRoutes <= KVM_DEFAULT_ROUTES.size()) {
            throw new IllegalArgumentException(
                    "a routing table of " + maxRoutes + " entries has no room for MSI routes");
        }
        this.irqchip = irqchip;
        this.msiGsiCount = maxRoutes - KVM_DEFAULT_ROUTES.size();
    }

    /** The routing of a VM with an in-kernel irqchip, as large as its KVM allows. */
    static InterruptRouting of(Kvm kvm, VmFd vm) {
        return new InterruptRouting(Irqchip.of(vm), kvm.checkExtension(KvmAbi.KVM_CAP_IRQ_ROUTING));
    }

    private static List<GsiRoute> kvmDefaultRoutes() {
        List<GsiRoute> routes = new ArrayList<>();
        for (int gsi = 0; gsi < IOAPIC_PINS; gsi++) {
            routes.add(new GsiRoute.Irqchip(gsi, KvmAbi.KVM_IRQCHIP_IOAPIC, gsi));
            if (gsi < PIC_PINS) {
                int pic = gsi < PINS_PER_PIC ? KvmAbi.KVM_IRQCHIP_PIC_MASTER : KvmAbi.KVM_IRQCHIP_PIC_SLAVE;
                routes.add(new GsiRoute.Irqchip(gsi, pic, gsi % PINS_PER_PIC));
            }
        }
        return List.copyOf(routes);
    }

    /** The table as KVM has it: the default routes, then the MSI routes by GSI. */
    synchronized List<GsiRoute> table() {
        List<GsiRoute> table = new ArrayList<>(KVM_DEFAULT_ROUTES.size() + msiRoutes.size());
        table.addAll(KVM_DEFAULT_ROUTES);
        table.addAll(msiRoutes.values());
        return table;
    }

    @Override
    public synchronized MsiVector allocateMsi() {
        if (closed) {
            throw new VmException("interrupt routing is closed: the machine has stopped");
        }
        int index = usedMsiGsis.nextClearBit(0);
        if (index >= msiGsiCount) {
            throw new VmException("no free GSI: all " + msiGsiCount + " MSI routes in use");
        }
        int gsi = FIRST_MSI_GSI + index;
        EventFd eventFd = EventFd.create();
        try {
            irqchip.assignIrqfd(eventFd, gsi);
        } catch (RuntimeException e) {
            eventFd.close();
            throw e;
        }
        usedMsiGsis.set(index);
        Vector vector = new Vector(gsi, eventFd);
        vectors.put(gsi, vector);
        return vector;
    }

    @Override
    public synchronized int allocatedMsiVectors() {
        return vectors.size();
    }

    @Override
    public boolean signalMsi(long address, int data) {
        return irqchip.signalMsi(address, data);
    }

    @Override
    public synchronized LevelIrqfd levelIrqfd(int gsi) {
        if (closed) {
            throw new VmException("interrupt routing is closed: the machine has stopped");
        }
        if (gsi < 0 || gsi >= IOAPIC_PINS) {
            throw new VmException("GSI " + gsi + " is not an irqchip input (0-" + (IOAPIC_PINS - 1) + ")");
        }
        EventFd trigger = EventFd.create();
        EventFd resample;
        try {
            resample = EventFd.create();
        } catch (RuntimeException e) {
            trigger.close();
            throw e;
        }
        try {
            irqchip.assignLevelIrqfd(trigger, resample, gsi);
        } catch (RuntimeException e) {
            trigger.close();
            resample.close();
            throw e;
        }
        LevelLine line = new LevelLine(gsi, trigger, resample);
        levelIrqfds.add(line);
        return line;
    }

    /**
     * Closes every vector's eventfd without pushing a table, for a machine that is going away:
     * closing an irqfd's eventfd detaches it in KVM. Vectors closed later do nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Vector vector : vectors.values()) {
            vector.closed = true;
            vector.eventFd.close();
        }
        vectors.clear();
        for (LevelLine line : levelIrqfds) {
            line.closed = true;
            line.trigger.close();
            line.resample.close();
        }
        levelIrqfds.clear();
        msiRoutes.clear();
        usedMsiGsis.clear();
    }

    /** Pushes the table with {@code route} for {@code gsi} (none when null); on failure keeps the old one. */
    private void replaceRoute(int gsi, GsiRoute.Msi route) {
        GsiRoute.Msi previous = route == null ? msiRoutes.remove(gsi) : msiRoutes.put(gsi, route);
        if (Objects.equals(previous, route)) {
            return;
        }
        try {
            irqchip.setGsiRouting(table());
        } catch (RuntimeException e) {
            if (previous == null) {
                msiRoutes.remove(gsi);
            } else {
                msiRoutes.put(gsi, previous);
            }
            throw e;
        }
    }

    private final class Vector implements MsiVector {
        private final int gsi;
        private final EventFd eventFd;
        private volatile boolean closed;

        Vector(int gsi, EventFd eventFd) {
            this.gsi = gsi;
            this.eventFd = eventFd;
        }

        @Override
        public int gsi() {
            return gsi;
        }

        @Override
        public void route(long address, int data) {
            synchronized (InterruptRouting.this) {
                requireOpen();
                replaceRoute(gsi, new GsiRoute.Msi(gsi, address, data));
            }
        }

        @Override
        public void unroute() {
            synchronized (InterruptRouting.this) {
                requireOpen();
                replaceRoute(gsi, null);
            }
        }

        @Override
        public void trigger() {
            requireOpen();
            eventFd.signal();
        }

        @Override
        public EventFd eventFd() {
            return eventFd;
        }

        private void requireOpen() {
            if (closed) {
                throw new VmException(this + " is closed");
            }
        }

        /** Deassigns the irqfd and drops the route; the GSI is free and the eventfd closed even if KVM refuses. */
        @Override
        public void close() {
            synchronized (InterruptRouting.this) {
                if (closed) {
                    return;
                }
                closed = true;
                vectors.remove(gsi);
                try {
                    irqchip.deassignIrqfd(eventFd, gsi);
                    replaceRoute(gsi, null);
                } finally {
                    msiRoutes.remove(gsi);
                    usedMsiGsis.clear(gsi - FIRST_MSI_GSI);
                    eventFd.close();
                }
            }
        }

        @Override
        public String toString() {
            return "MSI vector on GSI " + gsi;
        }
    }

    private final class LevelLine implements LevelIrqfd {
        private final int gsi;
        private final EventFd trigger;
        private final EventFd resample;
        private boolean closed;

        LevelLine(int gsi, EventFd trigger, EventFd resample) {
            this.gsi = gsi;
            this.trigger = trigger;
            this.resample = resample;
        }

        @Override
        public int gsi() {
            return gsi;
        }

        @Override
        public EventFd trigger() {
            return trigger;
        }

        @Override
        public EventFd resample() {
            return resample;
        }

        /** Deassigns the irqfd (which lowers the line) and closes both eventfds even if KVM refuses. */
        @Override
        public void close() {
            synchronized (InterruptRouting.this) {
                if (closed) {
                    return;
                }
                closed = true;
                levelIrqfds.remove(this);
                try {
                    irqchip.deassignIrqfd(trigger, gsi);
                } finally {
                    trigger.close();
                    resample.close();
                }
            }
        }

        @Override
        public String toString() {
            return "level irqfd on GSI " + gsi;
        }
    }
}
