package io.hotvisor.virtio;

import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/** {@code virtio-blk-pci}: a disk on a raw image file. */
@Component(service = DeviceDriver.class)
public final class VirtioBlkDriver extends VirtioDriver {
    static final String NAME = "virtio-blk-pci";
    public VirtioBlkDriver() {
        super(NAME, "virtio block device on a raw image (file=, readonly=, serial=)", Map.of(
                "file", "the raw disk image on the host (required)",
                "readonly", "on: the guest cannot write (default off)",
                "serial", "the disk's serial number, up to 20 characters"));
    }

    @Override
    VirtioDevice create(Vm vm, String id, DriverProperties properties) {
        Path file = Path.of(properties.required("file"));
        boolean readonly = properties.flag("readonly");
        String serial = properties.string("serial", id);
        if (serial.length() > VirtioBlk.SERIAL_BYTES) {
            throw new VmException(NAME + ": serial '" + serial + "' is longer than " + VirtioBlk.SERIAL_BYTES + " characters");
        }
        return open(file, readonly, serial);
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
}
