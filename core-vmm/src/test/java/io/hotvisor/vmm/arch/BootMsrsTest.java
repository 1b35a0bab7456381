package io.hotvisor.vmm.arch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmException;
import io.hotvisor.vmm.kvm.VcpuFd;
import io.hotvisor.vmm.kvm.VmFd;
import io.hotvisor.vmm.testing.KvmTest;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Boot MSRs: only those KVM lists as settable (pitfalls.md item 4), and KVM takes them all. */
@KvmTest
class BootMsrsTest {
    private static final int TSC = 0x10;
    private static final int SYSENTER_CS = 0x174;
    private static final int MISC_ENABLE = 0x1A0;
    private static final int MTRR_DEF_TYPE = 0x2FF;
    private static final int LSTAR = 0xC000_0082;
    private static final int KERNEL_GS_BASE = 0xC000_0102;

    /** The (index, value) pairs a BootMsrs will write. */
    private static Map<Integer, Long> planned(BootMsrs msrs) throws ReflectiveOperationException {
        int[] indices = (int[]) field("indices").get(msrs);
        long[] values = (long[]) field("values").get(msrs);
        assertThat(values).hasSameSizeAs(indices);
        Map<Integer, Long> planned = new HashMap<>();
        for (int i = 0; i < indices.length; i++) {
            assertThat(planned.put(indices[i], values[i])).as("MSR 0x%x twice", indices[i]).isNull();
        }
        return planned;
    }

    private static Field field(String name) throws NoSuchFieldException {
        Field field = BootMsrs.class.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    @Test
    void onlyListedMsrsAreSet() throws Exception {
        int[] settable = {0x9999, MTRR_DEF_TYPE, LSTAR, TSC, 0x1B, 0x3A};
        int[] copy = settable.clone();
        Map<Integer, Long> planned = planned(new BootMsrs(settable));
        assertThat(settable).as("the caller's array is not reordered").containsExactly(copy);
        assertThat(planned).containsOnlyKeys(MTRR_DEF_TYPE, LSTAR, TSC);
        assertThat(planned).containsEntry(MTRR_DEF_TYPE, 0x806L)   // E (bit 11): MTRRs on, default type 6 = write-back
                .containsEntry(LSTAR, 0L)
                .containsEntry(TSC, 0L);
    }

    @Test
    void nothingIsSetWhenKvmListsNothingUseful() throws Exception {
        assertThat(planned(new BootMsrs(new int[0]))).isEmpty();
        assertThat(planned(new BootMsrs(new int[] {0x1B, 0xC000_0080}))).isEmpty();
    }

    @Test
    void valuesWhenEverythingIsSettable() throws Exception {
        int[] all = {SYSENTER_CS, 0x175, 0x176, 0xC000_0081, LSTAR, 0xC000_0083, 0xC000_0084, KERNEL_GS_BASE,
            TSC, MISC_ENABLE, MTRR_DEF_TYPE};
        Map<Integer, Long> planned = planned(new BootMsrs(all));
        assertThat(planned).hasSize(all.length);
        assertThat(planned).containsEntry(MISC_ENABLE, 1L)            // fast strings
                .containsEntry(MTRR_DEF_TYPE, 0x806L)
                .containsEntry(SYSENTER_CS, 0L)
                .containsEntry(KERNEL_GS_BASE, 0L);
    }

    @Test
    void withTheHostListOnlyListedMsrsAreSetAndKvmAcceptsThem() throws Exception {
        try (Kvm kvm = Kvm.open()) {
            int[] hostList = kvm.msrIndexList();
            assertThat(hostList).as("KVM_GET_MSR_INDEX_LIST").isNotEmpty().contains(TSC);
            BootMsrs msrs = new BootMsrs(hostList);
            Map<Integer, Long> planned = planned(msrs);
            assertThat(planned).isNotEmpty();
            int[] sorted = hostList.clone();
            Arrays.sort(sorted);
            for (int index : planned.keySet()) {
                assertThat(Arrays.binarySearch(sorted, index)).as("MSR 0x%x is in the host list", index)
                        .isGreaterThanOrEqualTo(0);
            }
            try (VmFd vm = kvm.createVm()) {
                vm.createIrqchip();
                for (int id = 0; id < 2; id++) {
                    try (VcpuFd vcpu = vm.createVcpu(id)) {
                        assertThatCode(() -> msrs.apply(vcpu)).as("vCPU %d", id).doesNotThrowAnyException();
                    }
                }
            }
        }
    }

    @Test
    void aShortSetMsrsCountIsAnErrorNamingTheRejectedMsr() {
        try (Kvm kvm = Kvm.open(); VmFd vm = kvm.createVm(); VcpuFd vcpu = vm.createVcpu(0)) {
            int bogus = 0x4B56_FFFF; // in no MSR range KVM emulates
            assertThatThrownBy(() -> vcpu.setMsrs(new int[] {TSC, bogus, LSTAR}, new long[] {0, 0, 0}))
                    .isInstanceOf(KvmException.class)
                    .hasMessageContaining("set 1 of 3")
                    .hasMessageContaining("0x4b56ffff");
        }
    }
}
