package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** {@code virtio-blk-pci}: a disk on a raw image file. */
@Component(service = DeviceDriver.class)
public final class VirtioBlkDriver implements DeviceDriver {
    static final String NAME = "virtio-blk-pci";
    private static final Map<String, String> PROPERTIES = new LinkedHashMap<>();

    static {
        PROPERTIES.put("file", "the raw disk image on the host (required)");
        PROPERTIES.put("readonly", "on: the guest cannot write (default off)");
        PROPERTIES.put("serial", "the disk's serial number, up to 20 characters");
        PROPERTIES.put("addr", "PCI slot, in hex (default: the first free one)");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "virtio block device on a raw image (file=, readonly=, serial=)";
    }

    @Override
    public Map<String, String> properties() {
        return Map.copyOf(PROPERTIES);
    }

    @Override
    public void plug(Vm vm, String id, Map<String, Object> values) {
        DriverProperties properties = new DriverProperties(NAME, values, PROPERTIES.keySet());
        Path file = Path.of(properties.required("file"));
        boolean readonly = properties.flag("readonly");
        String serial = properties.string("serial", id);
        if (serial.length() > VirtioBlk.SERIAL_BYTES) {
            throw new VmException(NAME + ": serial '" + serial + "' is longer than " + VirtioBlk.SERIAL_BYTES + " characters");
        }
        VirtioBlk device = open(file, readonly, serial);
        try {
            vm.virtio().plug(id, device, properties.slot());
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static VirtioBlk open(Path file, boolean readonly, String serial) {
        FileChannel channel;
        try {
            channel = readonly ? FileChannel.open(file, StandardOpenOption.READ)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw new VmException(NAME + ": " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new VmException(NAME + ": " + file + ": permission denied" + (readonly ? "" : " (readonly=on may do)"));
        } catch (IOException e) {
            throw new VmException(NAME + ": cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            return new VirtioBlk(channel, readonly, serial);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new VmException(NAME + ": cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void unplug(Vm vm, String id) {
        throw PciUnplug.notSupported(NAME);
    }
}
