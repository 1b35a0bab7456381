package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * {@code virtio-serial-pci}: a virtconsole ({@code console=on}, hvc0 in the guest) and named ports
 * ({@code ports=NAME[:NAME...]}, as QEMU's virtserialport,name=), each on a UNIX socket in the VM's
 * directory: {@code NAME.sock}, and {@code ID-console.sock} for the console. The guest agent
 * channel is the port named {@code org.qemu.guest_agent.0}.
 */
@Component(service = DeviceDriver.class)
public final class VirtioSerialDriver implements DeviceDriver {
    static final String NAME = "virtio-serial-pci";
    private static final Map<String, String> PROPERTIES = new LinkedHashMap<>();

    static {
        PROPERTIES.put("ports", "named ports, NAME[:NAME...], each on DATA/hotvisor/VM/NAME.sock");
        PROPERTIES.put("console", "on: port 0 is a console (hvc0) on DATA/hotvisor/VM/ID-console.sock");
        PROPERTIES.put("addr", "PCI slot, in hex (default: the first free one)");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "virtio serial ports and console on UNIX sockets (ports=, console=)";
    }

    @Override
    public Map<String, String> properties() {
        return Map.copyOf(PROPERTIES);
    }

    @Override
    public void plug(Vm vm, String id, Map<String, Object> values) {
        DriverProperties properties = new DriverProperties(NAME, values, PROPERTIES.keySet());
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
        Path directory = vm.dataDirectory();
        List<VirtioSerial.Port> ports = new ArrayList<>();
        try {
            if (console) {
                ports.add(new VirtioSerial.Port(0, null, new UnixSocketEnd(directory.resolve(id + "-console.sock"))));
            }
            for (int i = 0; i < portNames.size(); i++) {
                ports.add(new VirtioSerial.Port(i + 1, portNames.get(i),
                        new UnixSocketEnd(directory.resolve(portNames.get(i) + ".sock"))));
            }
            VirtioSerial device = new VirtioSerial(ports);
            vm.virtio().plug(id, device, properties.slot());
        } catch (RuntimeException e) {
            ports.forEach(port -> port.end.close());
            throw e;
        }
    }

    @Override
    public void unplug(Vm vm, String id) {
        throw PciUnplug.notSupported(NAME);
    }
}
