package io.hotvisor.vmm.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A kernel the VMM can boot: a Linux bzImage (entered through the 64-bit Linux boot protocol) or
 * an ELF executable with a PVH entry note, such as an uncompressed {@code vmlinux} (entered in
 * 32-bit protected mode with an {@code hvm_start_info}). {@link #open} tells them apart by their
 * first bytes; problems are {@link BootImageException}s that name the file.
 */
public sealed interface KernelImage permits BzImage, ElfKernel {

    /** Reads and checks {@code file}: an ELF file ({@code 7F 'E' 'L' 'F'}) or else a bzImage. */
    static KernelImage open(Path file) {
        if (Files.isDirectory(file)) {
            throw new BootImageException(file + ": is a directory");
        }
        ByteBuffer magic = ByteBuffer.allocate(ElfKernel.MAGIC.length);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (magic.hasRemaining() && channel.read(magic) >= 0) {
                // read up to four bytes
            }
        } catch (NoSuchFileException e) {
            throw new BootImageException(file + ": no such file", e);
        } catch (IOException e) {
            throw new BootImageException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return ElfKernel.hasElfMagic(magic.array()) ? ElfKernel.parse(file) : BzImage.parse(file);
    }

    Path file();

    /** The image format, for messages: "bzImage" or "ELF (PVH)". */
    String format();
}
