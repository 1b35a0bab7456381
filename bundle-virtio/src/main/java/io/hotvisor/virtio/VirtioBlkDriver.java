package io.hotvisor.virtio;

import com.sun.nio.file.ExtendedOpenOption;
import io.hotvisor.vmm.api.DeviceDriver;
import io.hotvisor.vmm.api.Vm;
import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/** {@code virtio-blk-pci}: a disk on a raw image file. */
@Component(service = DeviceDriver.class)
public final class VirtioBlkDriver extends VirtioDriver {
    static final String NAME = "virtio-blk-pci";
    public VirtioBlkDriver() {
        super(NAME, "virtio block device on a raw image (file=, readonly=, serial=, direct=)", Map.of(
                "file", "the raw disk image on the host (required)",
                "readonly", "on: the guest cannot write (default off)",
                "serial", "the disk's serial number, up to 20 characters",
                "direct", "on: bypass the host's page cache (O_DIRECT; default off); the file system must support it,"
                        + " and the guest is given its block size as the disk's"));
    }

    @Override
    VirtioDevice create(Vm vm, String id, DriverProperties properties) {
        Path file = Path.of(properties.required("file"));
        boolean readonly = properties.flag("readonly");
        String serial = properties.string("serial", id);
        if (serial.length() > VirtioBlk.SERIAL_BYTES) {
            throw new VmException(NAME + ": serial '" + serial + "' is longer than " + VirtioBlk.SERIAL_BYTES + " characters");
        }
        return open(file, readonly, properties.flag("direct"), serial);
    }

    private static VirtioBlk open(Path file, boolean readonly, boolean direct, String serial) {
        FileChannel channel = openChannel(file, readonly, direct);
        try {
            int directBlockSize = direct ? (int) Files.getFileStore(file).getBlockSize() : 0;
            return new VirtioBlk(channel, readonly, serial, directBlockSize);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new VmException(NAME + ": cannot read the size or file system of " + file + ": " + e.getMessage(), e);
        }
    }

    private static FileChannel openChannel(Path file, boolean readonly, boolean direct) {
        Set<OpenOption> options = new HashSet<>(readonly ? Set.of(StandardOpenOption.READ)
                : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
        Set<OpenOption> directOptions = new HashSet<>(options);
        directOptions.add(ExtendedOpenOption.DIRECT);
        try {
            return FileChannel.open(file, direct ? directOptions : options);
        } catch (NoSuchFileException e) {
            throw new VmException(NAME + ": " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new VmException(NAME + ": " + file + ": permission denied" + (readonly ? "" : " (readonly=on may do)"));
        } catch (IOException e) {
            if (direct && opens(file, options)) {
                throw new VmException(NAME + ": direct=on is not supported for " + file
                        + ": its file system refuses O_DIRECT (" + e.getMessage() + ")");
            }
            throw new VmException(NAME + ": cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the file opens without O_DIRECT, which tells a refused O_DIRECT from other failures (EINVAL either way). */
    private static boolean opens(Path file, Set<OpenOption> options) {
        try (FileChannel ignored = FileChannel.open(file, options)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
