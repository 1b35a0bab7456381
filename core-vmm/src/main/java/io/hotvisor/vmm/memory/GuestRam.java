package io.hotvisor.vmm.memory;

import io.hotvisor.vmm.api.GuestAddress;
import io.hotvisor.vmm.api.GuestMemory;
import io.hotvisor.vmm.api.GuestMemoryException;
import io.hotvisor.vmm.api.VmException;
import java.util.ArrayList;
import java.util.List;

/** Guest RAM made of a few {@link MmapRegion}s; owns and unmaps them on close. */
public final class GuestRam implements GuestMemory, AutoCloseable {
    private final List<MmapRegion> regions;
    private final long size;
    /** Set before unmapping; accessors stop first (the owner closes after its vCPUs stopped). */
    private volatile boolean closed;

    private GuestRam(List<MmapRegion> regions) {
        this.regions = List.copyOf(regions);
        this.size = regions.stream().mapToLong(MmapRegion::size).sum();
    }

    /** Maps one region per (start, size) pair; on failure, what was mapped is unmapped again. */
    public static GuestRam map(List<GuestAddress> starts, List<Long> sizes) {
        List<MmapRegion> mapped = new ArrayList<>();
        try {
            for (int i = 0; i < starts.size(); i++) {
                mapped.add(new MmapRegion(starts.get(i), sizes.get(i)));
            }
            return new GuestRam(mapped);
        } catch (RuntimeException e) {
            mapped.forEach(MmapRegion::close);
            throw e;
        }
    }

    public List<MmapRegion> regions() {
        return regions;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean contains(GuestAddress address, long length) {
        for (MmapRegion region : regions) {
            if (region.contains(address.value(), length)) {
                return true;
            }
        }
        return false;
    }

    private MmapRegion region(GuestAddress address, long length) {
        if (closed) {
            throw new VmException("guest RAM has been released; access to " + address + " refused");
        }
        for (MmapRegion region : regions) {
            if (region.contains(address.value(), length)) {
                return region;
            }
        }
        throw new GuestMemoryException(address, length);
    }

    private static long offset(MmapRegion region, GuestAddress address) {
        return address.value() - region.start().value();
    }

    @Override
    public void read(GuestAddress address, byte[] dst, int offset, int length) {
        MmapRegion region = region(address, length);
        region.pointer().read(offset(region, address), dst, offset, length);
    }

    @Override
    public void write(GuestAddress address, byte[] src, int offset, int length) {
        MmapRegion region = region(address, length);
        region.pointer().write(offset(region, address), src, offset, length);
    }

    @Override
    public byte readByte(GuestAddress address) {
        MmapRegion region = region(address, 1);
        return region.pointer().getByte(offset(region, address));
    }

    @Override
    public short readShort(GuestAddress address) {
        MmapRegion region = region(address, 2);
        return region.pointer().getShort(offset(region, address));
    }

    @Override
    public int readInt(GuestAddress address) {
        MmapRegion region = region(address, 4);
        return region.pointer().getInt(offset(region, address));
    }

    @Override
    public long readLong(GuestAddress address) {
        MmapRegion region = region(address, 8);
        return region.pointer().getLong(offset(region, address));
    }

    @Override
    public void writeByte(GuestAddress address, byte value) {
        MmapRegion region = region(address, 1);
        region.pointer().setByte(offset(region, address), value);
    }

    @Override
    public void writeShort(GuestAddress address, short value) {
        MmapRegion region = region(address, 2);
        region.pointer().setShort(offset(region, address), value);
    }

    @Override
    public void writeInt(GuestAddress address, int value) {
        MmapRegion region = region(address, 4);
        region.pointer().setInt(offset(region, address), value);
    }

    @Override
    public void writeLong(GuestAddress address, long value) {
        MmapRegion region = region(address, 8);
        region.pointer().setLong(offset(region, address), value);
    }

    @Override
    public java.nio.ByteBuffer buffer(GuestAddress address, int length) {
        MmapRegion region = region(address, length);
        return region.pointer().getByteBuffer(offset(region, address), length);
    }

    @Override
    public void clear(GuestAddress address, long length) {
        MmapRegion region = region(address, length);
        region.pointer().setMemory(offset(region, address), length, (byte) 0);
    }

    @Override
    public void close() {
        closed = true;
        regions.forEach(MmapRegion::close);
    }
}
