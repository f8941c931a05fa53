package org.aiofs.image.qcow2.check;

import java.util.Map;
import java.util.TreeMap;

/**
 * The refcounts rebuilt from the image's tables: one counter per cluster of the file, and a
 * sparse map for references past its end (a damaged entry may point anywhere; its count
 * must not decide how much memory the check takes).
 */
final class ExpectedRefcounts {
    /** 2^28 clusters (1 GiB of counters): past that the check refuses rather than exhaust memory. */
    static final long MAX_FILE_CLUSTERS = 1L << 28;

    private final int clusterBits;
    private final long limit;
    private final int[] inFile;
    private final TreeMap<Long, Long> beyond = new TreeMap<>();

    ExpectedRefcounts(int clusterBits, long fileClusters, long limit) {
        if (fileClusters > MAX_FILE_CLUSTERS) {
            throw new IllegalArgumentException("image too large to check (" + fileClusters + " clusters)");
        }
        this.clusterBits = clusterBits;
        this.limit = limit;
        this.inFile = new int[(int) fileClusters];
    }

    /**
     * Counts one reference to every cluster that [offset, offset+size) touches.
     * @return the first cluster whose count passed what the refcount width holds, or -1
     */
    long add(long offset, long size) {
        if (size <= 0) {
            return -1;
        }
        long first = offset >>> clusterBits;
        long last = (offset + size - 1) >>> clusterBits;
        long overflow = -1;
        for (long c = first; c <= last; c++) {
            long n;
            if (c < inFile.length) {
                n = inFile[(int) c] == Integer.MAX_VALUE ? Integer.MAX_VALUE : ++inFile[(int) c];
            } else {
                n = beyond.merge(c, 1L, Long::sum);
            }
            if (Long.compareUnsigned(n, limit) > 0 && overflow < 0) {
                overflow = c;
            }
        }
        return overflow;
    }

    long get(long cluster) {
        if (cluster < inFile.length) {
            return inFile[(int) cluster];
        }
        Long n = beyond.get(cluster);
        return n == null ? 0 : n;
    }

    long fileClusters() {
        return inFile.length;
    }

    /** Referenced clusters past the end of the file, in order. */
    Map<Long, Long> beyondFile() {
        return beyond;
    }
}
