package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last few compressed clusters, inflated, by the host offset of their compressed data.
 * A small read (a filesystem's 4 KiB block) of a compressed image would otherwise inflate the
 * whole cluster each time. Compressed data is never rewritten in place (a write to a compressed
 * cluster moves it to a new cluster), so an entry never goes stale within one open image.
 */
final class DecompressedClusterCache {
    /** Bytes of inflated clusters kept: enough for sequential small reads, cheap in memory. */
    static final long CAPACITY_BYTES = 8L << 20;

    private final Map<Long, ByteBuffer> clusters;

    DecompressedClusterCache(int clusterSize) {
        int entries = (int) Math.max(4, CAPACITY_BYTES / clusterSize);
        this.clusters = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ByteBuffer> eldest) {
                return size() > entries;
            }
        };
    }

    /** The inflated cluster whose compressed data starts at {@code hostOffset}, or null. Read-only view. */
    synchronized ByteBuffer get(long hostOffset) {
        ByteBuffer b = clusters.get(hostOffset);
        return b == null ? null : b.asReadOnlyBuffer();
    }

    synchronized void put(long hostOffset, ByteBuffer cluster) {
        clusters.put(hostOffset, cluster);
    }
}
