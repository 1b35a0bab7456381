package io.hotvisor.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioBlkTest {
    private static final int SECTORS = 64;

    @TempDir
    Path dir;
    private Path image;
    private VirtioBlk disk;
    private final QueueDriver driver = new QueueDriver(16);

    @BeforeEach
    void open() throws IOException {
        image = dir.resolve("disk.raw");
        byte[] content = new byte[SECTORS * 512];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i / 512);
        }
        Files.write(image, content);
        disk = new VirtioBlk(FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE), false, "hv-disk-1", 0);
        disk.activate(driver);
    }

    @AfterEach
    void close() {
        disk.close();
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

    @Test
    void theConfigurationGivesTheCapacityInSectors() {
        byte[] capacity = new byte[8];
        disk.readConfig(0, capacity);
        assertThat(ByteBuffer.wrap(capacity).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(SECTORS);
        assertThat(disk.features() & VirtioBlk.F_RO).isZero();
    }

    @Test
    void readsWritesAndFlushesReachTheFile() throws IOException {
        long[] data = writable(1024);
        long[] status = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, 3)), data, status);
        byte[] written = new byte[512];
        Arrays.fill(written, (byte) 0x5A);
        long[] writeStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_OUT, 10)), readable(written), writeStatus);
        long[] flushStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_FLUSH, 0)), flushStatus);

        disk.queueNotified(0);

        byte[] read = driver.read(data[0], 1024);
        assertThat(read[0]).isEqualTo((byte) 3);
        assertThat(read[1023]).isEqualTo((byte) 4);
        assertThat(driver.read(status[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(driver.read(writeStatus[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(driver.read(flushStatus[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(Files.readAllBytes(image)[10 * 512 + 7]).isEqualTo((byte) 0x5A);
        assertThat(driver.used()).extracting(entry -> entry[1]).containsExactly(1025, 1, 1);
        assertThat(driver.interrupts).containsExactly("queue 0");
    }

    @Test
    void getIdAnswersTheSerial() {
        long[] id = writable(20);
        driver.submit(readable(header(VirtioBlk.T_GET_ID, 0)), id, writable(1));

        disk.queueNotified(0);

        assertThat(new String(driver.read(id[0], 9))).isEqualTo("hv-disk-1");
    }

    @Test
    void writeZeroesClearsAndDiscardAcceptsRanges() throws IOException {
        byte[] range = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putInt(2).putInt(0).array();
        long[] zeroStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_WRITE_ZEROES, 0)), readable(range), zeroStatus);
        long[] discardStatus = writable(1);
        driver.submit(readable(header(VirtioBlk.T_DISCARD, 0)), readable(range), discardStatus);

        disk.queueNotified(0);

        byte[] file = Files.readAllBytes(image);
        assertThat(file[5 * 512]).isZero();
        assertThat(file[7 * 512 - 1]).isZero();
        assertThat(file[7 * 512]).isEqualTo((byte) 7);
        assertThat(driver.read(zeroStatus[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(driver.read(discardStatus[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
    }

    @Test
    void requestsPastTheEndFailAloneAndUnknownTypesAreUnsupported() {
        long[] past = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, SECTORS - 1)), writable(1024), past);
        long[] unknown = writable(1);
        driver.submit(readable(header(99, 0)), unknown);
        long[] fine = writable(1);
        driver.submit(readable(header(VirtioBlk.T_IN, 0)), writable(512), fine);

        disk.queueNotified(0);

        assertThat(driver.read(past[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_IOERR);
        assertThat(driver.read(unknown[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_UNSUPP);
        assertThat(driver.read(fine[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
    }

    @Test
    void aReadOnlyDiskRefusesWritesAndSaysSo() throws IOException {
        VirtioBlk readOnly = new VirtioBlk(FileChannel.open(image, StandardOpenOption.READ), true, "ro", 0);
        QueueDriver other = new QueueDriver(16);
        readOnly.activate(other);
        long[] status = {other.buffer(new byte[0], 1), 1, 1};
        byte[] head = header(VirtioBlk.T_OUT, 0);
        other.submit(new long[] {other.buffer(head, 16), 16, 0}, new long[] {other.buffer(new byte[512], 512), 512, 0}, status);

        readOnly.queueNotified(0);

        assertThat(readOnly.features() & VirtioBlk.F_RO).isNotZero();
        assertThat(other.read(status[0], 1)[0]).isEqualTo((byte) VirtioBlk.S_IOERR);
        readOnly.close();
    }

    @Test
    void aRequestWithoutHeaderOrStatusIsTheDriverBreakingTheRules() {
        driver.submit(readable(new byte[8]), writable(1));

        assertThatThrownBy(() -> disk.queueNotified(0)).isInstanceOf(VirtqueueException.class)
                .hasMessageContaining("no 16-byte header");
    }
}
