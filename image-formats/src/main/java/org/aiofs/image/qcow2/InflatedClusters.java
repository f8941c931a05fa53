package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

import org.aiofs.image.cache.MetadataCache;

/**
 * Compressed clusters of one image file, inflated, in the mount's metadata cache (by the
 * host offset of their compressed data). A filesystem's 4 KiB reads of a compressed image
 * would otherwise inflate the whole cluster each time. Compressed data is never rewritten
 * in place (a write to a compressed cluster moves it), so an entry never goes stale while
 * its offset is referenced. They take at most a quarter of the cache.
 */
final class InflatedClusters {
    private final MetadataCache cache;
    private final int space;

    private record Inflated(ByteBuffer data) implements MetadataCache.Sized {
        @Override
        public long footprint() {
            return data.capacity() + 64L;
        }
    }

    InflatedClusters(String image, MetadataCache cache) {
        this.cache = cache;
        this.space = cache.space(image + " inflated clusters", cache.budgetBytes() / 4);
    }

    /**
     * Copies {@code target.remaining()} bytes from {@code inCluster} of the cluster whose
     * compressed data starts at {@code hostOffset}; false when it is not cached.
     */
    boolean copy(long hostOffset, int inCluster, ByteBuffer target) {
        MetadataCache.Entry<Inflated> e = cache.acquireIfPresent(space, hostOffset);
        if (e == null) {
            return false;
        }
        try {
            target.duplicate().put(e.value().data().slice(inCluster, target.remaining()));
            return true;
        } finally {
            e.release();
        }
    }

    void put(long hostOffset, ByteBuffer cluster) {
        cache.put(space, hostOffset, new Inflated(cluster));
    }
}
