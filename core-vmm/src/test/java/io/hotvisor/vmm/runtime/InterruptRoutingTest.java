package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.LevelIrqfd;
import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.kvm.EventFd;
import io.hotvisor.vmm.kvm.GsiRoute;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmException;
import io.hotvisor.vmm.testing.OpenFds;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link InterruptRouting} over a fake irqchip that records what KVM would be told. */
class InterruptRoutingTest {
    private static final int KVM_MAX_IRQ_ROUTES = 4096;
    private static final long APIC_ADDRESS = 0xFEE0_0000L;

    private final FakeIrqchip irqchip = new FakeIrqchip();
    private final InterruptRouting routing = new InterruptRouting(irqchip, KVM_MAX_IRQ_ROUTES);

    /** Loads JNA and libc before any test counts fds: loading opens a few of its own. */
    @BeforeAll
    static void loadNativeLibraries() {
        EventFd.create().close();
    }

    @Test
    void theInitialTableIsKvmsDefaultAndIsNotPushed() {
        List<GsiRoute> table = routing.table();
        assertThat(table).hasSize(16 * 2 + 8).startsWith(
                new GsiRoute.Irqchip(0, KvmAbi.KVM_IRQCHIP_IOAPIC, 0),
                new GsiRoute.Irqchip(0, KvmAbi.KVM_IRQCHIP_PIC_MASTER, 0),
                new GsiRoute.Irqchip(1, KvmAbi.KVM_IRQCHIP_IOAPIC, 1),
                new GsiRoute.Irqchip(1, KvmAbi.KVM_IRQCHIP_PIC_MASTER, 1));
        for (int gsi = 0; gsi < 24; gsi++) {
            assertThat(table).as("GSI %d", gsi).contains(new GsiRoute.Irqchip(gsi, KvmAbi.KVM_IRQCHIP_IOAPIC, gsi));
        }
        for (int gsi = 0; gsi < 8; gsi++) {
            assertThat(table).contains(new GsiRoute.Irqchip(gsi, KvmAbi.KVM_IRQCHIP_PIC_MASTER, gsi));
            assertThat(table).contains(new GsiRoute.Irqchip(gsi + 8, KvmAbi.KVM_IRQCHIP_PIC_SLAVE, gsi));
        }
        assertThat(table).filteredOn(route -> route.gsi() >= 16)
                .allMatch(route -> ((GsiRoute.Irqchip) route).irqchip() == KvmAbi.KVM_IRQCHIP_IOAPIC);
        assertThat(table).isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        assertThat(irqchip.pushed).isEmpty();
    }

    @Test
    void aLevelIrqfdSitsOnAnIrqchipPinWithItsResampleEventfdAndLeavesNoFdBehind() {
        long before = OpenFds.anonymous();
        LevelIrqfd line = routing.levelIrqfd(17);
        assertThat(irqchip.irqfds.get(17)).isSameAs(line.trigger());
        assertThat(irqchip.levelResamples.get(17)).isSameAs(line.resample());
        assertThat(routing.table()).as("the pin keeps its IOAPIC route").isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        assertThatThrownBy(() -> routing.levelIrqfd(24)).isInstanceOf(VmException.class)
                .hasMessageContaining("not an irqchip input");

        line.close();
        line.close();
        assertThat(irqchip.irqfds).isEmpty();
        assertThat(OpenFds.anonymous()).isEqualTo(before);
    }

    @Test
    void vectorsGetGsisFrom24EachWithItsOwnIrqfdAndNoRouteYet() {
        MsiVector first = routing.allocateMsi();
        MsiVector second = routing.allocateMsi();
        assertThat(first.gsi()).isEqualTo(24);
        assertThat(second.gsi()).isEqualTo(25);
        assertThat(irqchip.irqfds).containsEntry(24, (EventFd) first.eventFd()).containsEntry(25, (EventFd) second.eventFd());
        assertThat(irqchip.pushed).isEmpty();
        routing.close();
    }

    @Test
    void everyPushedTableKeepsEveryIoapicAndPicRoute() {
        MsiVector first = routing.allocateMsi();
        MsiVector second = routing.allocateMsi();
        first.route(APIC_ADDRESS, 0x41);
        second.route(APIC_ADDRESS | 0x1000, 0x42);
        first.route(APIC_ADDRESS, 0x51);
        first.unroute();
        second.close();

        assertThat(irqchip.pushed).hasSize(5);
        for (List<GsiRoute> table : irqchip.pushed) {
            assertThat(table.subList(0, InterruptRouting.KVM_DEFAULT_ROUTES.size()))
                    .isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        }
        assertThat(msiRoutesOf(irqchip.pushed.get(0))).containsExactly(new GsiRoute.Msi(24, APIC_ADDRESS, 0x41));
        assertThat(msiRoutesOf(irqchip.pushed.get(1))).containsExactly(
                new GsiRoute.Msi(24, APIC_ADDRESS, 0x41), new GsiRoute.Msi(25, APIC_ADDRESS | 0x1000, 0x42));
        assertThat(msiRoutesOf(irqchip.pushed.get(2))).containsExactly(
                new GsiRoute.Msi(24, APIC_ADDRESS, 0x51), new GsiRoute.Msi(25, APIC_ADDRESS | 0x1000, 0x42));
        assertThat(msiRoutesOf(irqchip.pushed.get(3))).containsExactly(new GsiRoute.Msi(25, APIC_ADDRESS | 0x1000, 0x42));
        assertThat(irqchip.pushed.get(4)).isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        routing.close();
    }

    @Test
    void anUnchangedRouteOrAnUnroutedVectorPushesNothing() {
        MsiVector vector = routing.allocateMsi();
        vector.unroute();
        vector.route(APIC_ADDRESS, 0x41);
        vector.route(APIC_ADDRESS, 0x41);
        assertThat(irqchip.pushed).hasSize(1);
        routing.close();
    }

    @Test
    void triggerSignalsTheVectorsIrqfd() {
        MsiVector vector = routing.allocateMsi();
        vector.trigger();
        vector.trigger();
        assertThat(irqchip.irqfds.get(vector.gsi()).drain()).isEqualTo(2);
        routing.close();
    }

    @Test
    void freedGsisAreReusedLowestFirst() {
        MsiVector a = routing.allocateMsi();
        MsiVector b = routing.allocateMsi();
        routing.allocateMsi();
        b.close();
        assertThat(routing.allocateMsi().gsi()).isEqualTo(25);
        a.close();
        assertThat(routing.allocateMsi().gsi()).isEqualTo(24);
        assertThat(routing.allocateMsi().gsi()).isEqualTo(27);
        routing.close();
    }

    @Test
    void runningOutOfGsisIsAClearErrorUntilAVectorIsClosed() {
        // Three entries past KVM's 40 default routes: room for three MSI routes (4056 with KVM's 4096).
        assertThatThrownBy(() -> new InterruptRouting(irqchip, 40)).isInstanceOf(IllegalArgumentException.class);
        InterruptRouting small = new InterruptRouting(irqchip, 43);
        List<MsiVector> vectors = List.of(small.allocateMsi(), small.allocateMsi(), small.allocateMsi());
        assertThat(vectors).extracting(MsiVector::gsi).containsExactly(24, 25, 26);
        assertThatThrownBy(small::allocateMsi).isInstanceOf(VmException.class)
                .hasMessage("no free GSI: all 3 MSI routes in use");
        vectors.get(1).close();
        assertThat(small.allocateMsi().gsi()).isEqualTo(25);
        small.close();
    }

    @Test
    void closingAVectorTwiceDeassignsAndFreesOnceAndLaterUseFails() {
        long fdsBefore = OpenFds.anonymous();
        MsiVector vector = routing.allocateMsi();
        vector.route(APIC_ADDRESS, 0x41);
        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore + 1);

        vector.close();
        vector.close();

        assertThat(irqchip.irqfds).isEmpty();
        assertThat(irqchip.deassigned).isEqualTo(1);
        assertThat(irqchip.pushed).hasSize(2);
        assertThat(routing.table()).isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore);
        assertThatThrownBy(vector::trigger).isInstanceOf(VmException.class).hasMessage("MSI vector on GSI 24 is closed");
        assertThatThrownBy(() -> vector.route(APIC_ADDRESS, 0x41)).isInstanceOf(VmException.class);
    }

    @Test
    void closingTheRoutingClosesEveryEventFdWithoutPushingAndRefusesNewVectors() {
        long fdsBefore = OpenFds.anonymous();
        MsiVector routed = routing.allocateMsi();
        routed.route(APIC_ADDRESS, 0x41);
        routing.allocateMsi();
        int pushes = irqchip.pushed.size();

        routing.close();
        routing.close();
        routed.close();

        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore);
        assertThat(irqchip.pushed).hasSize(pushes);
        assertThatThrownBy(routing::allocateMsi).isInstanceOf(VmException.class);
    }

    @Test
    void aTableKvmRefusesLeavesTheRouteAsItWas() {
        MsiVector vector = routing.allocateMsi();
        vector.route(APIC_ADDRESS, 0x41);
        irqchip.refuseNextTable = true;
        assertThatThrownBy(() -> vector.route(APIC_ADDRESS, 0x99)).isInstanceOf(KvmException.class);
        assertThat(msiRoutesOf(routing.table())).containsExactly(new GsiRoute.Msi(24, APIC_ADDRESS, 0x41));
        vector.route(APIC_ADDRESS, 0x99);
        assertThat(msiRoutesOf(irqchip.pushed.get(irqchip.pushed.size() - 1)))
                .containsExactly(new GsiRoute.Msi(24, APIC_ADDRESS, 0x99));
        routing.close();
    }

    @Test
    void signalMsiGoesStraightToKvm() {
        assertThat(routing.signalMsi(APIC_ADDRESS, 0x30)).isTrue();
        assertThat(irqchip.signalled).containsExactly(List.of(APIC_ADDRESS, 0x30L));
    }

    @Test
    void threadsAllocatingRoutingAndClosingConcurrentlyLeaveTheDefaultTable() throws Exception {
        long fdsBefore = OpenFds.anonymous();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int data = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        try (MsiVector vector = routing.allocateMsi()) {
                            vector.route(APIC_ADDRESS, data);
                            vector.trigger();
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(routing.table()).isEqualTo(InterruptRouting.KVM_DEFAULT_ROUTES);
        assertThat(irqchip.irqfds).isEmpty();
        assertThat(irqchip.pushed).allMatch(table -> table.containsAll(InterruptRouting.KVM_DEFAULT_ROUTES));
        assertThat(OpenFds.anonymous()).isEqualTo(fdsBefore);
    }

    private static List<GsiRoute> msiRoutesOf(List<GsiRoute> table) {
        return table.stream().filter(GsiRoute.Msi.class::isInstance).toList();
    }

    /** Records the calls KVM would get; irqfds must be assigned and deassigned in pairs. */
    private static final class FakeIrqchip implements InterruptRouting.Irqchip {
        final List<List<GsiRoute>> pushed = new ArrayList<>();
        final Map<Integer, EventFd> irqfds = new HashMap<>();
        final Map<Integer, EventFd> levelResamples = new HashMap<>();
        final List<List<Long>> signalled = new ArrayList<>();
        int deassigned;
        boolean refuseNextTable;

        @Override
        public void setGsiRouting(List<GsiRoute> routes) {
            if (refuseNextTable) {
                refuseNextTable = false;
                throw new KvmException("KVM_SET_GSI_ROUTING", 22);
            }
            pushed.add(List.copyOf(routes));
        }

        @Override
        public void assignIrqfd(EventFd eventFd, int gsi) {
            assertThat(irqfds.putIfAbsent(gsi, eventFd)).as("irqfd on GSI %d", gsi).isNull();
        }

        @Override
        public void deassignIrqfd(EventFd eventFd, int gsi) {
            assertThat(irqfds.remove(gsi)).as("irqfd on GSI %d", gsi).isSameAs(eventFd);
            deassigned++;
        }

        @Override
        public void assignLevelIrqfd(EventFd trigger, EventFd resample, int gsi) {
            assertThat(irqfds.putIfAbsent(gsi, trigger)).as("irqfd on GSI %d", gsi).isNull();
            levelResamples.put(gsi, resample);
        }

        @Override
        public boolean signalMsi(long address, int data) {
            signalled.add(List.of(address, (long) data));
            return true;
        }
    }
}
