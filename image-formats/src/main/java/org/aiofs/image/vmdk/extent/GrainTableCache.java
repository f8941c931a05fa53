package org.aiofs.image.vmdk.extent;

import java.io.IOException;

/**
 * The grain tables of one disk's sparse extents, least recently used out first. A table is
 * 2 KiB (512 entries), so the budget covers a lot of disk: 4 MiB of tables map 128 GiB of 64 KiB
 * grains.
 */
public final class GrainTableCache {
    public static final long DEFAULT_BUDGET_BYTES = 4L << 20;

    private record Key(SparseExtent extent, long tableSector) {
    }

    private final LruCache<Key, int[]> tables;

    public GrainTableCache(long budgetBytes) {
        this.tables = new LruCache<>(budgetBytes, t -> 16L + 4L * t.length);
    }

    int[] get(SparseExtent extent, long tableSector) throws IOException {
        Key key = new Key(extent, tableSector);
        int[] table = tables.get(key);
        if (table == null) {
            table = tables.putIfAbsent(key, extent.loadGrainTable(tableSector));
        }
        return table;
    }

    public int size() {
        return tables.size();
    }
}
