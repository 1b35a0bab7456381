package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code virtio-serial-pci}: a virtconsole ({@code console=on}, hvc0 in the guest) and named ports
 * ({@code ports=NAME[:NAME...]}, as QEMU's virtserialport,name=), each on a UNIX socket in the VM's
 * directory: {@code NAME.sock}, and {@code ID-console.sock} for the console. The guest agent
 * channel is the port named {@code org.qemu.guest_agent.0}.
 */
@Component(service = DeviceDriver.class)
public final class VirtioSerialDriver extends VirtioDriver {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioSerialDriver.class);
    static final String NAME = "virtio-serial-pci";
    public VirtioSerialDriver() {
        super(NAME, "virtio serial ports and console on UNIX sockets (ports=, console=)", Map.of(
                "ports", "named ports, NAME[:NAME...], each on DATA/hotvisor/VM/NAME.sock",
                "console", "on: port 0 is a console (hvc0) on DATA/hotvisor/VM/ID-console.sock"));
    }

    @Override
    VirtioDevice create(Vm vm, String id, DriverProperties properties) {
        String names = properties.string("ports", "");
        boolean console = properties.flag("console");
        List<String> portNames = names.isEmpty() ? List.of() : List.of(names.split(":"));
        if (portNames.isEmpty() && !console) {
            throw new VmException(NAME + ": give ports=NAME[:NAME...] or console=on");
        }
        for (String port : portNames) {
            if (!port.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}") || portNames.indexOf(port) != portNames.lastIndexOf(port)) {
                throw new VmException(NAME + ": port name '" + port + "' must be unique and made of letters, digits,"
                        + " '.', '-' or '_'");
            }
        }
        List<VirtioSerial.Port> ports = new ArrayList<>();
        try {
            if (console) {
                ports.add(new VirtioSerial.Port(0, null, socket(vm, id + "-console.sock")));
            }
            for (int i = 0; i < portNames.size(); i++) {
                ports.add(new VirtioSerial.Port(i + 1, portNames.get(i), socket(vm, portNames.get(i) + ".sock")));
            }
            return new VirtioSerial(ports);
        } catch (RuntimeException e) {
            ports.forEach(port -> port.end.close());
            throw e;
        }
    }

    /**
     * The socket in the VM's directory; where that cannot hold one (too long a path, or a file
     * system without sockets, as the lab's shared one), in /tmp/hotvisor-USER/VM/, as QMP does.
     */
    private static UnixSocketEnd socket(Vm vm, String file) {
        try {
            return new UnixSocketEnd(vm.dataDirectory().resolve(file));
        } catch (VmException preferred) {
            Path fallback = Path.of(System.getProperty("java.io.tmpdir"), "hotvisor-" + System.getProperty("user.name"),
                    vm.name(), file);
            LOG.info("{}: {}; using {}", vm.name(), preferred.getMessage(), fallback);
            return new UnixSocketEnd(fallback);
        }
    }
}
