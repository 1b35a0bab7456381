package io.hotvisor.pci.vfio;

import io.hotvisor.vmm.api.vfio.VfioRegion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The page-aligned pieces of a BAR's mmap area that are left once the trapped ranges are cut out. */
final class BarHoles {
    private BarHoles() {
    }

    /**
     * {@code area} minus {@code holes} (each widened to whole pages), clipped to the region's whole
     * pages, as [start, end) pairs in ascending order.
     */
    static List<long[]> without(VfioRegion.Area area, List<long[]> holes, long regionSize, long page) {
        long start = roundUp(area.offset(), page);
        long end = Math.min(area.end(), regionSize) / page * page;
        List<long[]> widened = new ArrayList<>();
        for (long[] hole : holes) {
            widened.add(new long[] {hole[0] / page * page, roundUp(hole[1], page)});
        }
        widened.sort(Comparator.comparingLong(hole -> hole[0]));
        List<long[]> pieces = new ArrayList<>();
        long cursor = start;
        for (long[] hole : widened) {
            if (hole[1] <= cursor || hole[0] >= end) {
                continue;
            }
            if (hole[0] > cursor) {
                pieces.add(new long[] {cursor, hole[0]});
            }
            cursor = Math.max(cursor, hole[1]);
        }
        if (cursor < end) {
            pieces.add(new long[] {cursor, end});
        }
        return pieces;
    }

    private static long roundUp(long value, long page) {
        return (value + page - 1) / page * page;
    }
}
