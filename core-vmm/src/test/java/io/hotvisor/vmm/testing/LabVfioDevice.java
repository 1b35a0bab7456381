package io.hotvisor.vmm.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link KvmTest} class that passes through the lab's VFIO NIC ({@code lab.vfio=ADDRESS} on
 * L1's command line). lab/run-lab.sh finds such classes in the sources (scripts/lib/kvm-classes.sh)
 * and runs them in an L1 of their own, with QEMU's virtual IOMMU and that NIC; the other classes
 * run in a plain L1.
 */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.TYPE)
public @interface LabVfioDevice {
}
