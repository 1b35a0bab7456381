package io.hotvisor.vmm.manager;

import io.hotvisor.vmm.api.net.HostNetwork;
import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.kvm.TapFd;
import org.osgi.service.component.annotations.Component;

/** The core's {@link HostNetwork}: TAPs through /dev/net/tun. */
@Component(service = HostNetwork.class)
public final class HostNetworkService implements HostNetwork {
    @Override
    public Tap openTap(String name, int vnetHeaderSize) {
        return TapFd.open(name, vnetHeaderSize);
    }
}
