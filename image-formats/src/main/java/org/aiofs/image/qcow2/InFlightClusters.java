package org.aiofs.image.qcow2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Guest clusters whose L2 entry an operation has planned to change and not yet linked
 * (its copy-on-write and data I/O run meanwhile). Anyone else who would read or change
 * such a cluster waits for that operation only. Used under the writer's metadata lock.
 */
final class InFlightClusters {
    private final ClusterGeometry geometry;
    private final Map<Long, CompletableFuture<Void>> claims = new HashMap<>();

    InFlightClusters(ClusterGeometry geometry) {
        this.geometry = geometry;
    }

    /** What to wait for before touching [from, to), or null when no cluster of it is claimed. */
    CompletableFuture<Void> overlapping(long from, long to) {
        if (claims.isEmpty() || to <= from) {
            return null;
        }
        List<CompletableFuture<Void>> found = null;
        long first = geometry.clusterStart(from);
        long clusters = (to - first + geometry.clusterSize() - 1) >>> geometry.clusterBits();
        if (clusters <= claims.size()) {
            for (long gc = first; gc < to; gc += geometry.clusterSize()) {
                found = add(found, claims.get(gc));
            }
        } else {
            for (Map.Entry<Long, CompletableFuture<Void>> c : claims.entrySet()) {
                if (c.getKey() >= first && c.getKey() < to) {
                    found = add(found, c.getValue());
                }
            }
        }
        if (found == null) {
            return null;
        }
        return found.size() == 1 ? found.get(0) : CompletableFuture.allOf(found.toArray(CompletableFuture[]::new));
    }

    private static List<CompletableFuture<Void>> add(List<CompletableFuture<Void>> list, CompletableFuture<Void> f) {
        if (f == null) {
            return list;
        }
        List<CompletableFuture<Void>> out = list == null ? new ArrayList<>(2) : list;
        if (!out.contains(f)) {
            out.add(f);
        }
        return out;
    }

    void claim(long guestCluster, CompletableFuture<Void> linked) {
        CompletableFuture<Void> previous = claims.putIfAbsent(guestCluster, linked);
        if (previous != null && previous != linked) {
            throw new IllegalStateException("guest cluster 0x" + Long.toHexString(guestCluster) + " claimed twice");
        }
    }

    void release(long guestCluster) {
        claims.remove(guestCluster);
    }

    boolean isEmpty() {
        return claims.isEmpty();
    }
}
