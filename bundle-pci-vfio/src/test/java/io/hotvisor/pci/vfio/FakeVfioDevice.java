package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.EventNotifier;
import io.hotvisor.vmm.api.vfio.HostMapping;
import io.hotvisor.vmm.api.vfio.VfioDevice;
import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The device-fd layer without a kernel: the configuration space recorded from a real device (a
 * test resource), BAR regions that remember nothing, and every call that changes the device in
 * {@link #log}.
 */
final class FakeVfioDevice implements VfioDevice {
    private static final long HOST_BASE = 0x7f00_0000_0000L;
    final byte[] config;
    final List<String> log = new CopyOnWriteArrayList<>();
    private final Map<Integer, VfioRegion> regions;
    private final Map<Integer, Integer> irqs;
    boolean closed;

    FakeVfioDevice(byte[] config, Map<Integer, VfioRegion> regions, Map<Integer, Integer> irqs) {
        this.config = config.clone();
        this.regions = regions;
        this.irqs = irqs;
    }

    /** A configuration space recorded with {@code xxd -p /sys/bus/pci/devices/BDF/config}. */
    static byte[] recording(String resource) {
        try (InputStream in = FakeVfioDevice.class.getResourceAsStream(resource)) {
            String hex = new String(in.readAllBytes(), StandardCharsets.US_ASCII).replaceAll("\\s", "");
            return HexFormat.of().parseHex(hex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static VfioRegion region(int index, long size, int flags, List<VfioRegion.Area> areas) {
        return new VfioRegion(index, size, (long) index << 40, flags, areas, false);
    }

    @Override
    public String name() {
        return "0000:00:03.0";
    }

    @Override
    public boolean resettable() {
        return true;
    }

    @Override
    public VfioRegion region(int index) {
        return regions.getOrDefault(index, new VfioRegion(index, 0, 0, 0, List.of(), false));
    }

    @Override
    public int irqCount(int index) {
        return irqs.getOrDefault(index, 0);
    }

    @Override
    public void read(VfioRegion region, long offset, byte[] data) {
        if (region.index() == CONFIG_REGION) {
            System.arraycopy(config, (int) offset, data, 0, data.length);
        } else {
            log.add(String.format("read %d+0x%x/%d", region.index(), offset, data.length));
        }
    }

    @Override
    public void write(VfioRegion region, long offset, byte[] data) {
        if (region.index() == CONFIG_REGION) {
            System.arraycopy(data, 0, config, (int) offset, data.length);
        }
        log.add(String.format("write %d+0x%x %s", region.index(), offset, HexFormat.of().formatHex(data)));
    }

    @Override
    public HostMapping map(VfioRegion region, long offset, long size) {
        log.add(String.format("mmap %d+0x%x/0x%x", region.index(), offset, size));
        return new HostMapping() {
            @Override
            public long hostAddress() {
                return HOST_BASE + offset;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public void close() {
                log.add(String.format("munmap %d+0x%x", region.index(), offset));
            }
        };
    }

    @Override
    public void setTriggers(int index, List<EventNotifier> eventFds) {
        log.add("triggers " + index + " " + eventFds.stream().map(fd -> fd == null ? "-" : Integer.toString(fd.fd()))
                .collect(Collectors.joining(",", "[", "]")));
    }

    @Override
    public void disableTriggers(int index) {
        log.add("triggers " + index + " off");
    }

    @Override
    public void unmaskIntxOn(EventNotifier eventFd) {
        log.add("intx unmask on " + eventFd.fd());
    }

    @Override
    public void reset() {
        log.add("reset");
    }

    @Override
    public void dmaMap(long iova, long size, long hostAddress) {
        log.add(String.format("dma map 0x%x/0x%x", iova, size));
    }

    @Override
    public void dmaUnmap(long iova, long size) {
        log.add(String.format("dma unmap 0x%x/0x%x", iova, size));
    }

    @Override
    public void close() {
        closed = true;
        log.add("close");
    }
}
