package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.MemorySize;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.VmSpec;
import io.hotvisor.vmm.kvm.Kvm;
import io.hotvisor.vmm.kvm.KvmAbi;
import io.hotvisor.vmm.kvm.KvmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this host can give one VM, asked when a VM is defined so that an impossible size fails
 * there with a clear error: guest RAM is mapped with MAP_NORESERVE, so memory past the host's
 * would otherwise end with the OOM killer taking the container, and too many vCPUs would fail
 * only at start. {@link VmSpec#validate()} stays free of host access; tests give a fake host.
 */
interface HostLimits {
    /** The host's RAM in bytes; empty when unknown. */
    OptionalLong memory();

    /** The most vCPUs KVM runs in one VM; empty without /dev/kvm (the check is then skipped). */
    OptionalInt maxVcpus();

    /** Refuses a spec this host cannot run; {@code maxMemory}, when set, stands in for the host's RAM. */
    default void check(VmSpec spec, OptionalLong maxMemory) {
        OptionalLong limit = maxMemory.isPresent() ? maxMemory : memory();
        if (limit.isPresent() && spec.memory() > limit.getAsLong()) {
            String which = maxMemory.isPresent()
                    ? VmManagerSettings.MAX_MEMORY + " " + MemorySize.format(limit.getAsLong()) + " (etc/"
                            + VmManagerSettings.PID + ".cfg)"
                    : "this host's RAM (" + (limit.getAsLong() >> 20) + " MiB)";
            throw new VmException(spec.name() + ": memory " + MemorySize.format(spec.memory()) + " is more than "
                    + which);
        }
        OptionalInt vcpus = maxVcpus();
        if (vcpus.isPresent() && spec.maxVcpus() > vcpus.getAsInt()) {
            String setting = spec.maxVcpus() > spec.vcpus() ? VmSpec.MAX_VCPUS_SETTING : "vcpus";
            throw new VmException(spec.name() + ": " + setting + " " + spec.maxVcpus() + " is more than KVM runs in"
                    + " one VM on this host (" + vcpus.getAsInt() + ")");
        }
    }

    /** This host: MemTotal of /proc/meminfo, and KVM's limit asked once /dev/kvm is there. */
    static HostLimits local() {
        return new Local();
    }

    final class Local implements HostLimits {
        private static final Logger LOG = LoggerFactory.getLogger(HostLimits.class);
        private static final Path MEMINFO = Path.of("/proc/meminfo");
        private static final Pattern MEM_TOTAL = Pattern.compile("(?m)^MemTotal:\\s+(\\d+) kB$");
        /** What the KVM API says to assume when neither KVM_CAP_MAX_VCPUS nor KVM_CAP_NR_VCPUS answers. */
        private static final int KVM_DEFAULT_VCPUS = 4;
        private volatile OptionalInt maxVcpus = OptionalInt.empty();

        @Override
        public OptionalLong memory() {
            try {
                Matcher total = MEM_TOTAL.matcher(Files.readString(MEMINFO));
                return total.find() ? OptionalLong.of(Long.parseLong(total.group(1)) << 10) : OptionalLong.empty();
            } catch (IOException e) {
                LOG.debug("{}: {}", MEMINFO, e.toString());
                return OptionalLong.empty();
            }
        }

        @Override
        public OptionalInt maxVcpus() {
            if (maxVcpus.isEmpty() && Kvm.available()) {
                try (Kvm kvm = Kvm.open()) {
                    int max = kvm.checkExtension(KvmAbi.KVM_CAP_MAX_VCPUS);
                    int recommended = max > 0 ? max : kvm.checkExtension(KvmAbi.KVM_CAP_NR_VCPUS);
                    maxVcpus = OptionalInt.of(recommended > 0 ? recommended : KVM_DEFAULT_VCPUS);
                } catch (KvmException e) {
                    LOG.debug("{}: {}", Kvm.DEVICE, e.getMessage());
                }
            }
            return maxVcpus;
        }
    }
}
