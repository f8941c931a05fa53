package org.aiofs.image.qcow2;

import java.io.IOException;
import java.util.ArrayDeque;

import org.aiofs.image.ImageException;
import org.aiofs.image.cache.MetadataCache;

/**
 * The L2 tables of one image file in the mount's metadata cache: a table not cached is
 * read and checked (aligned, inside the file) on first use. The active disk and every
 * snapshot of the file share them, as they share them on disk. A table the cache drops
 * leaves its words for the next table read (a few kept), so a miss allocates nothing.
 */
final class L2Tables {
    private static final int SPARE_TABLES = 8;

    private final String image;
    private final MetadataCache cache;
    private final int space;
    private final MetadataReader reader;
    private final int clusterSize;
    private final boolean extended;
    private final MetadataCache.Loader<L2Table> loader;
    /** Words of dropped tables, for the next loads: enough for the loads running at once. */
    private final ArrayDeque<long[]> spare = new ArrayDeque<>();

    L2Tables(String image, MetadataCache cache, MetadataReader reader, Qcow2Header header) {
        this.image = image;
        this.cache = cache;
        this.space = cache.space(image + " L2 tables", this::keepSpare);
        this.reader = reader;
        this.clusterSize = header.clusterSize();
        this.extended = header.extendedL2();
        this.loader = this::load;
    }

    /** The table at {@code offset}, pinned: release it when done. */
    MetadataCache.Entry<L2Table> acquire(long offset) throws IOException {
        return cache.acquire(space, offset, loader);
    }

    /** One entry, read with the table pinned only for that long. */
    L2Entry entry(long offset, int index) throws IOException {
        MetadataCache.Entry<L2Table> t = acquire(offset);
        try {
            return t.value().entry(index);
        } finally {
            t.release();
        }
    }

    /** A table made in memory (new, or a private copy of a shared one), pinned. */
    MetadataCache.Entry<L2Table> insertNew(long offset, L2Table table) {
        return cache.insertPinned(space, offset, table);
    }

    /** The cluster at {@code offset} was freed: a table cached there is stale. */
    void forget(long offset) {
        cache.invalidate(space, offset);
    }

    private L2Table load(long offset) throws IOException {
        long fileSize = reader.file().size();
        if ((offset & (clusterSize - 1)) != 0) {
            throw ImageException.corrupt(image, "L2 table offset 0x" + Long.toHexString(offset)
                    + " in the L1 table is not cluster-aligned");
        }
        if (offset > fileSize - clusterSize) {
            throw ImageException.corrupt(image, "L2 table at 0x" + Long.toHexString(offset)
                    + " lies beyond the end of the file (" + fileSize + " bytes)");
        }
        long[] storage = takeSpare();
        return reader.readDecoded(offset, clusterSize, "L2 table", b -> L2Table.decode(b, extended, storage));
    }

    private synchronized void keepSpare(L2Table dropped) {
        if (spare.size() < SPARE_TABLES) {
            spare.push(dropped.storage());
        }
    }

    private synchronized long[] takeSpare() {
        return spare.poll();
    }
}
