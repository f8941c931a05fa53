package org.aiofs.image.qcow2;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which host clusters of the image file hold metadata, and of what kind: the overlap
 * check consults it before every write, so a damaged pointer can never make a guest
 * write (or a metadata write of another kind) land on the header or a table.
 */
final class MetadataMap {
    enum Kind { HEADER, ACTIVE_L1, REFCOUNT_TABLE, REFCOUNT_BLOCK, ACTIVE_L2, SNAPSHOT_TABLE, SNAPSHOT_L1 }

    private final int clusterBits;
    private final Map<Long, Kind> clusters = new ConcurrentHashMap<>();

    MetadataMap(int clusterBits) {
        this.clusterBits = clusterBits;
    }

    /** Marks every cluster that [offset, offset+length) touches. */
    void add(long offset, long length, Kind kind) {
        if (length <= 0) {
            return;
        }
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            clusters.put(c, kind);
        }
    }

    void remove(long offset, long length) {
        if (length <= 0) {
            return;
        }
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            clusters.remove(c);
        }
    }

    /**
     * The metadata a write of [offset, offset+length) would overwrite, or null when it
     * touches only clusters that are not metadata or that are of kind {@code allowed}
     * (null: guest data, which may touch no metadata at all).
     */
    Kind overlap(long offset, long length, Kind allowed) {
        if (length <= 0) {
            return null;
        }
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            Kind k = clusters.get(c);
            if (k != null && k != allowed) {
                return k;
            }
        }
        return null;
    }
}
