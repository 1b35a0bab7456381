package io.hotvisor.vmm.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The struct kvm_irq_routing that {@link VmFd#setGsiRouting} hands to KVM, encoded on the host. */
class GsiRoutingTableTest {
    @Test
    void encodesIrqchipAndMsiEntriesInOrder() {
        List<GsiRoute> routes = List.of(
                new GsiRoute.Irqchip(9, KvmAbi.KVM_IRQCHIP_PIC_SLAVE, 1),
                new GsiRoute.Msi(24, 0x1_FEE0_100CL, 0x4041));
        try (Memory table = VmFd.routingTable(routes)) {
            assertThat(table.size()).isEqualTo(KvmAbi.SIZEOF_KVM_IRQ_ROUTING + 2L * KvmAbi.SIZEOF_KVM_IRQ_ROUTING_ENTRY);
            assertThat(table.getInt(KvmAbi.IRQ_ROUTING_NR)).isEqualTo(2);
            assertThat(table.getInt(4)).as("flags").isZero();

            long pic = KvmAbi.IRQ_ROUTING_ENTRIES;
            assertThat(table.getInt(pic + KvmAbi.ROUTING_ENTRY_GSI)).isEqualTo(9);
            assertThat(table.getInt(pic + KvmAbi.ROUTING_ENTRY_TYPE)).isEqualTo(KvmAbi.KVM_IRQ_ROUTING_IRQCHIP);
            assertThat(table.getInt(pic + KvmAbi.ROUTING_ENTRY_IRQCHIP_IRQCHIP)).isEqualTo(KvmAbi.KVM_IRQCHIP_PIC_SLAVE);
            assertThat(table.getInt(pic + KvmAbi.ROUTING_ENTRY_IRQCHIP_PIN)).isEqualTo(1);

            long msi = pic + KvmAbi.SIZEOF_KVM_IRQ_ROUTING_ENTRY;
            assertThat(table.getInt(msi + KvmAbi.ROUTING_ENTRY_GSI)).isEqualTo(24);
            assertThat(table.getInt(msi + KvmAbi.ROUTING_ENTRY_TYPE)).isEqualTo(KvmAbi.KVM_IRQ_ROUTING_MSI);
            assertThat(table.getInt(msi + KvmAbi.ROUTING_ENTRY_MSI_ADDRESS_LO)).isEqualTo(0xFEE0_100C);
            assertThat(table.getInt(msi + KvmAbi.ROUTING_ENTRY_MSI_ADDRESS_HI)).isEqualTo(1);
            assertThat(table.getInt(msi + KvmAbi.ROUTING_ENTRY_MSI_DATA)).isEqualTo(0x4041);
            for (long at = msi + KvmAbi.ROUTING_ENTRY_MSI_DATA + 4; at < table.size(); at += 4) {
                assertThat(table.getInt(at)).as("padding at %d", at).isZero();
            }
        }
    }

    @Test
    void anEmptyTableIsJustTheHeader() {
        try (Memory table = VmFd.routingTable(List.of())) {
            assertThat(table.size()).isEqualTo(KvmAbi.SIZEOF_KVM_IRQ_ROUTING);
            assertThat(table.getInt(KvmAbi.IRQ_ROUTING_NR)).isZero();
        }
    }
}
