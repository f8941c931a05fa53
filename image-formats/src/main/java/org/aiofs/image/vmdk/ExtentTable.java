package org.aiofs.image.vmdk;

import java.util.ArrayList;
import java.util.List;

/** The disk's extents in order; finds the one holding a guest offset. */
final class ExtentTable {
    private final List<PlacedExtent> all;
    /** The extents with at least one sector: the ones a guest offset can fall into. */
    private final PlacedExtent[] holding;
    private final long size;

    ExtentTable(List<PlacedExtent> all) {
        this.all = List.copyOf(all);
        List<PlacedExtent> nonEmpty = new ArrayList<>();
        for (PlacedExtent e : all) {
            if (e.extent().sectors() > 0) {
                nonEmpty.add(e);
            }
        }
        this.holding = nonEmpty.toArray(PlacedExtent[]::new);
        this.size = all.isEmpty() ? 0 : all.get(all.size() - 1).end();
    }

    List<PlacedExtent> all() {
        return all;
    }

    long size() {
        return size;
    }

    /** The extent holding guest {@code offset}, which must lie inside the disk. */
    PlacedExtent holding(long offset) {
        int lo = 0;
        int hi = holding.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (holding[mid].start() <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return holding[lo];
    }
}
