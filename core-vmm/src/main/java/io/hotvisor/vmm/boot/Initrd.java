package io.hotvisor.vmm.boot;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Puts an initrd as high as it goes in guest RAM, for both boot protocols. Its size is checked
 * before a byte of it is read, and it is read straight into guest RAM a chunk at a time, never
 * onto the heap: an initrd may be as large as the guest's RAM, on every boot and reboot.
 */
final class Initrd {
    private static final long PAGE = 0x1000;
    private static final int CHUNK = 1 << 20;

    private Initrd() {
    }

    record Placement(GuestAddress address, long size) {
    }

    /** Loads {@code file} page-aligned, as high as possible below {@code top} and above {@code kernelEnd}. */
    static Placement load(GuestMemory memory, Path file, long kernelEnd, long top) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long address = (top - size) & ~(PAGE - 1);
            if (size > top || address < kernelEnd) {
                throw new BootImageException("initrd " + file + " (" + mib(size) + " MiB) does not fit below 0x"
                        + Long.toHexString(top) + ", above the kernel (ends at 0x" + Long.toHexString(kernelEnd)
                        + "), in " + mib(memory.size()) + " MiB of RAM");
            }
            for (long done = 0; done < size; ) {
                ByteBuffer chunk = memory.buffer(GuestAddress.of(address + done), (int) Math.min(CHUNK, size - done));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, done + chunk.position()) < 0) {
                        throw new BootImageException("initrd " + file + " shrank while it was being read");
                    }
                }
                done += chunk.capacity();
            }
            return new Placement(GuestAddress.of(address), size);
        } catch (NoSuchFileException e) {
            throw new BootImageException("initrd " + file + ": no such file");
        } catch (IOException e) {
            throw new BootImageException("initrd " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whole MiB, rounded up: a size that "does not fit" is never shown smaller than it is. */
    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
