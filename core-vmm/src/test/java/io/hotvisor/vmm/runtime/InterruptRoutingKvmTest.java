package io.hotvisor.vmm.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.hotvisor.vmm.api.MsiVector;
import io.hotvisor.vmm.api.Registration;
import io.hotvisor.vmm.kvm.EventFd;
import io.hotvisor.vmm.kvm.GsiRoute;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import io.hotvisor.vmm.testing.KvmTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * KVM accepts the interrupt plumbing as Hotvisor encodes it, on a VM with an in-kernel irqchip:
 * a routing table with an MSI route, irqfd and ioeventfd assign and deassign, KVM_SIGNAL_MSI.
 */
@KvmTest
class InterruptRoutingKvmTest {
    private static final long APIC_ADDRESS = 0xFEE0_0000L;
    private static final int VECTOR = 0x41;

    @Test
    void vmFdCallsAreAccepted() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); EventFd eventFd = EventFd.create()) {
            vm.createIrqchip();
            List<GsiRoute> table = new ArrayList<>(InterruptRouting.KVM_DEFAULT_ROUTES);
            table.add(new GsiRoute.Msi(24, APIC_ADDRESS, VECTOR));
            vm.setGsiRouting(table);

            vm.assignIrqfd(eventFd, 24);
            eventFd.signal();
            vm.deassignIrqfd(eventFd, 24);

            vm.assignIoeventfd(0xC000_0000L, 4, false, eventFd);
            vm.deassignIoeventfd(0xC000_0000L, 4, false, eventFd);
            vm.assignIoeventfd(0x510, 2, true, eventFd);
            vm.deassignIoeventfd(0x510, 2, true, eventFd);

            // KVM_SIGNAL_MSI needs a local APIC to aim at: vCPU 0's (APIC id 0).
            try (VcpuFd vcpu = vm.createVcpu(0)) {
                assertThatCode(() -> vm.signalMsi(APIC_ADDRESS, VECTOR)).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void interruptRoutingAndIoEventFdsDriveARealVm() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); EventFd doorbell = EventFd.create()) {
            vm.createIrqchip();
            assertThat(kvm.checkExtension(KvmAbi.KVM_CAP_IRQ_ROUTING))
                    .isGreaterThan(InterruptRouting.KVM_DEFAULT_ROUTES.size());
            try (InterruptRouting routing = InterruptRouting.of(kvm, vm)) {
                MsiVector vector = routing.allocateMsi();
                vector.route(APIC_ADDRESS, VECTOR);
                vector.trigger();
                vector.unroute();
                vector.close();
            }

            Registration mmio = new IoEventFds(vm).mmio(0xC000_1000L, 0, doorbell);
            mmio.close();
            mmio.close();
        }
    }
}
