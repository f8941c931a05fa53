package org.aiofs.image.vmdk.extent;

import java.io.IOException;

/**
 * The grain tables of one disk's sparse extents, least recently used out first. A table is
 * 2 KiB (512 entries), so the budget covers a lot of disk: 4 MiB of tables map 128 GiB of 64 KiB
 * grains. Tables are loaded outside the lock; a writer's change bumps a generation, so a table
 * loaded from disk before the change is never cached over it.
 */
public final class GrainTableCache {
    public static final long DEFAULT_BUDGET_BYTES = 4L << 20;

    private record Key(SparseExtent extent, long tableSector) {
    }

    private final LruCache<Key, int[]> tables;
    private long generation;

    public GrainTableCache(long budgetBytes) {
        this.tables = new LruCache<>(budgetBytes, t -> 16L + 4L * t.length);
    }

    int[] get(SparseExtent extent, long tableSector) throws IOException {
        Key key = new Key(extent, tableSector);
        long loadedAt;
        synchronized (this) {
            int[] table = tables.get(key);
            if (table != null) {
                return table;
            }
            loadedAt = generation;
        }
        int[] loaded = extent.loadGrainTable(tableSector);
        synchronized (this) {
            // a change since the load may be missing from it: use it for this lookup, never keep it
            return generation == loadedAt ? tables.putIfAbsent(key, loaded) : loaded;
        }
    }

    /** A grain table entry the writer has just written to the file. */
    synchronized void set(SparseExtent extent, long tableSector, int index, int value) {
        generation++;
        int[] table = tables.get(new Key(extent, tableSector));
        if (table != null) {
            table[index] = value;
        }
    }

    /** A grain table the writer has just written to the file. */
    synchronized void put(SparseExtent extent, long tableSector, int[] table) {
        generation++;
        tables.putIfAbsent(new Key(extent, tableSector), table);
    }

    public synchronized int size() {
        return tables.size();
    }
}
