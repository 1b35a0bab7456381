package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.vfio.HostVfio;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.kvm.VfioDeviceFd;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Component;

/** The core's {@link HostVfio}: the container/group uAPI through {@link VfioDeviceFd}. */
@Component(service = HostVfio.class)
public final class HostVfioService implements HostVfio {
    @Override
    public VfioDevice open(Path groupFile, String deviceName) {
        return VfioDeviceFd.open(groupFile, deviceName);
    }
}
