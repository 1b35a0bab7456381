package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.net.HostNetwork;
import io.hotvisor.vmm.api.net.Tap;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code virtio-net-pci} on a host TAP interface ({@code tap=NAME}, created when missing and allowed). */
@Component(service = DeviceDriver.class)
public final class VirtioNetDriver extends VirtioDriver {
    static final String NAME = "virtio-net-pci";
    private final HostNetwork network;

    @Activate
    public VirtioNetDriver(@Reference HostNetwork network) {
        super(NAME, "virtio network card on a host TAP (tap=, mac=)", Map.of(
                "tap", "the host TAP interface (required; QEMU's -netdev tap,ifname=)",
                "mac", "the MAC address, e.g. 52:54:00:12:34:56 (default: derived from the VM and id)"));
        this.network = network;
    }

    @Override
    VirtioDevice create(Vm vm, String id, DriverProperties properties) {
        String tapName = properties.required("tap");
        String macText = properties.string("mac", null);
        byte[] mac = macText == null ? defaultMac(vm.name(), id) : parseMac(macText);
        Tap tap = network.openTap(tapName, VirtioNet.HEADER);
        return new VirtioNet(tap, mac);
    }

    /** QEMU's locally administered 52:54:00 prefix, the rest from the VM and device names. */
    static byte[] defaultMac(String vm, String id) {
        CRC32 crc = new CRC32();
        crc.update((vm + "/" + id).getBytes(StandardCharsets.UTF_8));
        long hash = crc.getValue();
        return new byte[] {0x52, 0x54, 0x00, (byte) (hash >> 16), (byte) (hash >> 8), (byte) hash};
    }

    static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[6];
        try {
            if (parts.length != 6) {
                throw new NumberFormatException();
            }
            for (int i = 0; i < 6; i++) {
                if (parts[i].length() != 2) {
                    throw new NumberFormatException();
                }
                mac[i] = (byte) Integer.parseInt(parts[i], 16);
            }
        } catch (NumberFormatException e) {
            throw new VmException(NAME + ": mac '" + text + "' is not six hex bytes like 52:54:00:12:34:56");
        }
        if ((mac[0] & 1) != 0) {
            throw new VmException(NAME + ": mac '" + text + "' is a multicast address");
        }
        return mac;
    }
}
