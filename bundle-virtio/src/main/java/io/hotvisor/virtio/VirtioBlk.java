package io.hotvisor.virtio;

import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.virtio.DescriptorChain;
import io.hotvisor.vmm.api.virtio.VirtioDevice;
import io.hotvisor.vmm.api.virtio.VirtioQueues;
import io.hotvisor.vmm.api.virtio.Virtqueue;
import io.hotvisor.vmm.api.virtio.VirtqueueException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The block device (virtio 1.2 §5.2) on a raw image: read, write, flush, get-id (the serial),
 * discard and write-zeroes, one queue. Requests run on the I/O thread. A request outside the
 * disk or a failing host file answers {@code VIRTIO_BLK_S_IOERR} to that request only; a request
 * that is not shaped as the spec says (no header, no status byte) is the driver breaking the
 * rules, which marks the device as needing a reset.
 *
 * <p>With O_DIRECT the host's page cache is bypassed, and the file takes only whole blocks of
 * its file system from memory aligned to them: blk_size tells the driver that block size, a
 * request that still is not made of whole blocks fails with IOERR, and guest buffers that are
 * not aligned go through a bounce buffer, a chunk at a time.
 */
final class VirtioBlk implements VirtioDevice {
    static final int TYPE = 2;
    static final int SECTOR = 512;
    static final int QUEUE_SIZE = 256;
    static final int SERIAL_BYTES = 20;

    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;
    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    static final int HEADER = 16;
    static final int RANGE = 16;
    static final int CONFIG_SIZE = 60;
    /** Requests are carried out this much at a time; write-zeroes writes from a buffer this large. */
    static final int CHUNK = 128 * 1024;
    /** At most this many sectors per discard or write-zeroes range (32 MiB). */
    static final int MAX_RANGE_SECTORS = 1 << 16;

    private final FileChannel file;
    private final boolean readonly;
    private final long sectors;
    private final byte[] serial;
    private final byte[] config;
    private final byte[] zeros = new byte[CHUNK];
    /** What offsets, lengths and buffer addresses must be multiples of: 1 without O_DIRECT. */
    private final int alignment;
    /** A chunk of aligned memory for guest buffers O_DIRECT cannot use as they are; null without O_DIRECT. */
    private final ByteBuffer bounce;
    private VirtioQueues queues;

    /**
     * {@code directBlockSize} is 0 when {@code file} goes through the host's page cache, else it
     * was opened with O_DIRECT and its I/O needs blocks of this size (a power of two up to
     * {@link #CHUNK}).
     */
    VirtioBlk(FileChannel file, boolean readonly, String serial, int directBlockSize) throws IOException {
        this.file = file;
        this.readonly = readonly;
        this.alignment = Math.max(1, directBlockSize);
        this.bounce = directBlockSize == 0 ? null
                : ByteBuffer.allocateDirect(CHUNK + directBlockSize).alignedSlice(directBlockSize);
        this.sectors = file.size() / SECTOR;
        this.serial = Arrays.copyOf(serial.getBytes(StandardCharsets.US_ASCII), SERIAL_BYTES);
        ByteBuffer layout = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        layout.putLong(0, sectors);
        layout.putInt(12, QUEUE_SIZE - 2); // seg_max: the header and status take two descriptors
        layout.putInt(20, Math.max(SECTOR, directBlockSize)); // blk_size: the driver then sends whole blocks
        layout.putShort(34, (short) 1); // num_queues
        layout.putInt(36, MAX_RANGE_SECTORS); // max_discard_sectors
        layout.putInt(40, 1); // max_discard_seg
        layout.putInt(44, 1); // discard_sector_alignment
        layout.putInt(48, MAX_RANGE_SECTORS); // max_write_zeroes_sectors
        layout.putInt(52, 1); // max_write_zeroes_seg
        this.config = layout.array();
    }

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public int pciClass() {
        return 0x010000;
    }

    @Override
    public long features() {
        return F_SEG_MAX | F_BLK_SIZE | F_FLUSH | (readonly ? F_RO : F_DISCARD | F_WRITE_ZEROES);
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_SIZE);
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public void readConfig(int offset, byte[] data) {
        System.arraycopy(config, offset, data, 0, data.length);
    }

    @Override
    public void activate(VirtioQueues activated) {
        queues = activated;
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue queue = queues.queue(index);
        GuestMemory memory = queues.memory();
        boolean answered = false;
        for (DescriptorChain chain = queue.pop(memory); chain != null; chain = queue.pop(memory)) {
            int written = serve(memory, chain);
            queue.addUsed(memory, chain, written);
            answered = true;
        }
        if (answered) {
            queues.usedBuffers(index);
        }
    }

    /**
     * Carries out one request; returns the bytes written into it, the status byte included. Reads
     * and writes go between the file and guest memory directly, a piece at a time, however long
     * the guest made the chain.
     */
    private int serve(GuestMemory memory, DescriptorChain chain) {
        long writable = chain.writableBytes();
        if (chain.readableBytes() < HEADER || writable < 1) {
            throw new VirtqueueException("virtio-blk request " + chain.head()
                    + " has no 16-byte header or no status byte");
        }
        byte[] head = new byte[HEADER];
        chain.read(memory, 0, head, 0, HEADER);
        ByteBuffer header = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int type = header.getInt(0);
        long sector = header.getLong(8);
        long dataIn = writable - 1;
        long dataOut = chain.readableBytes() - HEADER;
        int status;
        long written = 1;
        try {
            switch (type) {
                case T_IN -> {
                    status = fits(sector, dataIn) ? S_OK : S_IOERR;
                    long position = sector * SECTOR;
                    for (long done = 0; status == S_OK && done < dataIn; done += CHUNK) {
                        position = readFile(position, chain.writableViews(memory, done, (int) Math.min(CHUNK, dataIn - done)));
                    }
                    written += status == S_OK ? dataIn : 0;
                }
                case T_OUT -> {
                    status = readonly || !fits(sector, dataOut) ? S_IOERR : S_OK;
                    long position = sector * SECTOR;
                    for (long done = 0; status == S_OK && done < dataOut; done += CHUNK) {
                        position = writeFile(position, chain.readableViews(memory, HEADER + done,
                                (int) Math.min(CHUNK, dataOut - done)));
                    }
                }
                case T_FLUSH -> {
                    file.force(false);
                    status = S_OK;
                }
                case T_GET_ID -> {
                    int length = (int) Math.min(dataIn, SERIAL_BYTES);
                    chain.write(memory, 0, serial, 0, length);
                    written += length;
                    status = S_OK;
                }
                case T_DISCARD, T_WRITE_ZEROES -> status = readonly ? S_IOERR : range(type, memory, chain, dataOut);
                default -> status = S_UNSUPP;
            }
        } catch (IOException e) {
            status = S_IOERR;
        }
        chain.write(memory, dataIn, new byte[] {(byte) status}, 0, 1);
        return (int) written;
    }

    /**
     * Discard (nothing to do: the data may stay) or write zeroes, for the one 16-byte range after
     * the header that max_discard_seg and max_write_zeroes_seg allow.
     */
    private int range(int type, GuestMemory memory, DescriptorChain chain, long dataOut) throws IOException {
        if (dataOut != RANGE) {
            return S_IOERR;
        }
        byte[] bytes = new byte[RANGE];
        chain.read(memory, HEADER, bytes, 0, RANGE);
        ByteBuffer segment = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long sector = segment.getLong(0);
        long count = Integer.toUnsignedLong(segment.getInt(8));
        if (count > MAX_RANGE_SECTORS || !fits(sector, count * SECTOR)) {
            return S_IOERR;
        }
        if (type == T_WRITE_ZEROES) {
            for (long done = 0; done < count * SECTOR; done += CHUNK) {
                writeFile(sector * SECTOR + done, List.of(ByteBuffer.wrap(zeros, 0, (int) Math.min(CHUNK, count * SECTOR - done))));
            }
        }
        return S_OK;
    }

    /** The range lies on the disk and, with O_DIRECT, is made of whole blocks. */
    private boolean fits(long sector, long bytes) {
        return sector >= 0 && sector <= sectors && bytes <= (sectors - sector) * SECTOR
                && sector * SECTOR % alignment == 0 && bytes % alignment == 0;
    }

    /**
     * Fills {@code views} (guest memory, in order) from the file at {@code position}, zeros past
     * the file's end; returns the position after them.
     */
    private long readFile(long position, List<ByteBuffer> views) throws IOException {
        if (!needsBounce(views)) {
            long at = position;
            for (ByteBuffer view : views) {
                at = readFully(at, view);
            }
            return at;
        }
        bounce.clear().limit(remaining(views));
        long end = readFully(position, bounce);
        bounce.flip();
        for (ByteBuffer view : views) {
            bounce.limit(bounce.position() + view.remaining());
            view.put(bounce);
        }
        return end;
    }

    /** Writes {@code views} (in order) to the file at {@code position}; returns the position after them. */
    private long writeFile(long position, List<ByteBuffer> views) throws IOException {
        if (!needsBounce(views)) {
            long at = position;
            for (ByteBuffer view : views) {
                at = writeFully(at, view);
            }
            return at;
        }
        bounce.clear();
        for (ByteBuffer view : views) {
            bounce.put(view);
        }
        return writeFully(position, bounce.flip());
    }

    /** With O_DIRECT, any buffer not in aligned native memory or not of whole blocks goes through the bounce buffer. */
    private boolean needsBounce(List<ByteBuffer> views) {
        return bounce != null && !views.stream().allMatch(view -> view.isDirect()
                && view.alignmentOffset(view.position(), alignment) == 0 && view.remaining() % alignment == 0);
    }

    private static int remaining(List<ByteBuffer> views) {
        return views.stream().mapToInt(ByteBuffer::remaining).sum();
    }

    private long readFully(long position, ByteBuffer buffer) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            if (file.read(buffer, position + buffer.position() - start) < 0) {
                buffer.put(new byte[buffer.remaining()]);
            }
        }
        return position + buffer.position() - start;
    }

    private long writeFully(long position, ByteBuffer data) throws IOException {
        long at = position;
        while (data.hasRemaining()) {
            at += file.write(data, at);
        }
        return at;
    }

    @Override
    public void reset() {
        queues = null;
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
