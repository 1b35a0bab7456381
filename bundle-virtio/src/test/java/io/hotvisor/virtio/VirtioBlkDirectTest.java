package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.VmException;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code direct=on}: the image opened with O_DIRECT, on the build's temporary directory (skipped
 * where its file system refuses O_DIRECT). The test's guest memory is on the Java heap, so every
 * request goes through the bounce buffer.
 */
class VirtioBlkDirectTest {
    private static final int IMAGE_BYTES = 1 << 20;

    @TempDir
    Path dir;
    private Path image;
    private int blockSize;
    private VirtioDevice disk;
    private final QueueDriver driver = new QueueDriver(16);

    private static VirtioDevice plug(Map<String, Object> values) {
        VirtioBlkDriver blk = new VirtioBlkDriver();
        return blk.create(null, "disk0", new DriverProperties(VirtioBlkDriver.NAME, values, blk.properties().keySet()));
    }

    @BeforeEach
    void open() throws IOException {
        image = dir.resolve("disk.raw");
        Files.write(image, new byte[IMAGE_BYTES]);
        blockSize = (int) Files.getFileStore(image).getBlockSize();
        try {
            disk = plug(Map.of("file", image.toString(), "direct", "on"));
        } catch (VmException e) {
            Assumptions.assumeFalse(e.getMessage().contains("direct=on is not supported"), e.getMessage());
            throw e;
        }
        disk.activate(driver);
    }

    @AfterEach
    void close() {
        if (disk != null) {
            disk.close();
        }
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
    }

    private long[] readable(byte[] content) {
        return new long[] {driver.buffer(content, content.length), content.length, 0};
    }

    private long[] writable(int length) {
        return new long[] {driver.buffer(new byte[0], length), length, 1};
    }

    private byte status(long[] buffer) {
        return driver.read(buffer[0], 1)[0];
    }

    @Test
    void theGuestIsToldTheFileSystemsBlockSize() {
        byte[] blkSize = new byte[4];
        disk.readConfig(20, blkSize);

        assertThat(ByteBuffer.wrap(blkSize).order(ByteOrder.LITTLE_ENDIAN).getInt())
                .isEqualTo(Math.max(VirtioBlk.SECTOR, blockSize));
    }

    @Test
    void writesAndReadsRoundTripThroughBuffersThatAreNotAligned() throws IOException {
        // More than one chunk, so the bounce buffer is filled and emptied more than once.
        int length = VirtioBlk.CHUNK + 2 * blockSize;
        byte[] data = new byte[length];
        new Random(7).nextBytes(data);
        long sector = 2L * blockSize / VirtioBlk.SECTOR;
        long[] writeStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_OUT, sector)), readable(Arrays.copyOf(data, 1000)),
                readable(Arrays.copyOfRange(data, 1000, length)), writeStatus);
        long[] first = writable(3000);
        long[] second = writable(length - 3000);
        long[] readStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, sector)), first, second, readStatus);

        disk.queueNotified(0);

        assertThat(status(writeStatus)).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(status(readStatus)).isEqualTo((byte) VirtioBlk.S_OK);
        byte[] read = new byte[length];
        System.arraycopy(driver.read(first[0], 3000), 0, read, 0, 3000);
        System.arraycopy(driver.read(second[0], length - 3000), 0, read, 3000, length - 3000);
        assertThat(read).isEqualTo(data);
        byte[] file = Files.readAllBytes(image);
        assertThat(Arrays.copyOfRange(file, 2 * blockSize, 2 * blockSize + length)).isEqualTo(data);
        assertThat(file[2 * blockSize - 1]).isZero();
    }

    @Test
    void writeZeroesGoesThroughTheBounceBufferToo() throws IOException {
        Files.write(image, filled(IMAGE_BYTES, (byte) 0x77));
        long sectors = blockSize / VirtioBlk.SECTOR;
        byte[] range = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(sectors).putInt((int) sectors)
                .putInt(0).array();
        long[] zeroStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_WRITE_ZEROES, 0)), readable(range), zeroStatus);

        disk.queueNotified(0);

        byte[] file = Files.readAllBytes(image);
        assertThat(status(zeroStatus)).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(file[blockSize - 1]).isEqualTo((byte) 0x77);
        assertThat(Arrays.copyOfRange(file, blockSize, 2 * blockSize)).containsOnly(0);
        assertThat(file[2 * blockSize]).isEqualTo((byte) 0x77);
    }

    @Test
    void requestsThatAreNotWholeBlocksFailAloneWithIoError() {
        Assumptions.assumeTrue(blockSize > VirtioBlk.SECTOR, "the file system's blocks are sectors");
        long[] offset = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, 1)), writable(blockSize), offset);
        long[] length = writable(1);
        driver.submit(readable(header(VirtioBlk.T_OUT, 0)), readable(new byte[VirtioBlk.SECTOR]), length);
        long[] fine = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, 0)), writable(blockSize), fine);

        disk.queueNotified(0);

        assertThat(status(offset)).isEqualTo((byte) VirtioBlk.S_IOERR);
        assertThat(status(length)).isEqualTo((byte) VirtioBlk.S_IOERR);
        assertThat(status(fine)).isEqualTo((byte) VirtioBlk.S_OK);
    }

    @Test
    void aFileSystemThatRefusesODirectFailsThePlugNamingTheFile() {
        // procfs never takes O_DIRECT (tmpfs did not either before Linux 6.6).
        Path refusing = Path.of("/proc/self/status");
        Assumptions.assumeTrue(Files.isReadable(refusing), "no procfs");

        assertThatThrownBy(() -> plug(Map.of("file", refusing.toString(), "readonly", "on", "direct", "on")))
                .isInstanceOf(VmException.class)
                .hasMessageStartingWith("virtio-blk-pci: direct=on is not supported for /proc/self/status");
        assertThatThrownBy(() -> plug(Map.of("file", image.toString(), "direct", "sometimes")))
                .hasMessage("Parameter 'virtio-blk-pci.direct' expects 'on' or 'off', not 'sometimes'");
    }

    private static byte[] filled(int length, byte value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, value);
        return bytes;
    }
}
