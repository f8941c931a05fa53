package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/**
 * Where a bigger refcount table goes: past everything allocated (and past clusters found
 * free but not yet counted), together with the new blocks that must count the table and
 * themselves. Counted clusters past the end of the file (a preallocated image) are skipped.
 */
final class RefcountTableGrowth {
    private final String image;
    private final int clusterBits;
    private final int perBlock;

    /** Refcount of one cluster. */
    @FunctionalInterface
    interface RefcountLookup {
        long get(long cluster) throws IOException;
    }

    /**
     * The new table of {@code entries} entries in {@code tableClusters} clusters at cluster
     * {@code start}; its new blocks follow it, up to cluster {@code end} (exclusive).
     */
    record Placement(long entries, long tableClusters, long start, long end) {
    }

    RefcountTableGrowth(String image, int clusterBits, int perBlock) {
        this.image = image;
        this.clusterBits = clusterBits;
        this.perBlock = perBlock;
    }

    Placement place(long[] table, long minEntries, long firstCandidate, RefcountLookup refcounts) throws IOException {
        long entries = Math.max(minEntries, (long) table.length * 2);
        long start = firstCandidate;
        while (true) {
            long tableClusters = (entries * 8 + (1L << clusterBits) - 1) >>> clusterBits;
            if ((tableClusters << clusterBits) > Qcow2Header.MAX_REFTABLE_BYTES) {
                throw new ImageException(image + ": the refcount table would exceed "
                        + (Qcow2Header.MAX_REFTABLE_BYTES >> 20) + " MiB", Errno.ENOSPC);
            }
            long newEntries = (tableClusters << clusterBits) / 8;
            long newBlocks = 0;
            while (true) {
                long needed = blocksMissing(table, start, start + tableClusters + newBlocks);
                if (needed == newBlocks) {
                    break;
                }
                newBlocks = needed;
            }
            long end = start + tableClusters + newBlocks;
            long inUse = firstInUse(refcounts, start, end);
            if (inUse >= 0) {
                start = inUse + 1;
                continue;
            }
            if ((end - 1) / perBlock >= newEntries) {
                entries = newEntries * 2;
                continue;
            }
            return new Placement(newEntries, tableClusters, start, end);
        }
    }

    /** Blocks the clusters [from, to) need that the table does not have yet. */
    private long blocksMissing(long[] table, long from, long to) {
        long needed = 0;
        for (long bi = from / perBlock; bi <= (to - 1) / perBlock; bi++) {
            if (bi >= table.length || table[(int) bi] == 0) {
                needed++;
            }
        }
        return needed;
    }

    private static long firstInUse(RefcountLookup refcounts, long from, long to) throws IOException {
        for (long c = from; c < to; c++) {
            if (refcounts.get(c) != 0) {
                return c;
            }
        }
        return -1;
    }
}
