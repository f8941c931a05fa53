package org.aiofs.image.qcow2;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded least-recently-used cache of L2 tables by their host offset. The writer
 * writes every change through to the file before it lets readers see it, so eviction
 * needs no write-back.
 */
public final class L2Cache {
    /** Loads one table; called outside the cache lock so slow reads do not serialise lookups. */
    @FunctionalInterface
    public interface Loader {
        L2Table load(long hostOffset) throws IOException;
    }

    private final long budgetBytes;
    private final Loader loader;
    private final LinkedHashMap<Long, L2Table> tables = new LinkedHashMap<>(16, 0.75f, true);
    /** Tables not yet on disk (new or copied by the writer): never evicted until unpinned. */
    private final Map<Long, L2Table> pinned = new java.util.HashMap<>();
    private long usedBytes;
    private long hits;
    private long misses;

    public L2Cache(long budgetBytes, Loader loader) {
        this.budgetBytes = budgetBytes;
        this.loader = loader;
    }

    public L2Table get(long hostOffset) throws IOException {
        synchronized (this) {
            L2Table t = pinned.get(hostOffset);
            if (t == null) {
                t = tables.get(hostOffset);
            }
            if (t != null) {
                hits++;
                return t;
            }
            misses++;
        }
        L2Table loaded = loader.load(hostOffset);
        synchronized (this) {
            L2Table raced = tables.get(hostOffset);
            if (raced != null) {
                return raced;
            }
            tables.put(hostOffset, loaded);
            usedBytes += loaded.footprint();
            var it = tables.entrySet().iterator();
            while (usedBytes > budgetBytes && tables.size() > 1 && it.hasNext()) {
                Map.Entry<Long, L2Table> eldest = it.next();
                if (eldest.getKey() == hostOffset) {
                    continue;
                }
                usedBytes -= eldest.getValue().footprint();
                it.remove();
            }
            return loaded;
        }
    }

    /** A table the writer just created (or copied), kept until {@link #unpinAll} (it is written by then). */
    public synchronized void putPinned(long hostOffset, L2Table table) {
        invalidate(hostOffset);
        pinned.put(hostOffset, table);
    }

    /** The pinned tables are on disk now: they become ordinary cache entries. */
    public synchronized void unpinAll() {
        for (Map.Entry<Long, L2Table> e : pinned.entrySet()) {
            tables.put(e.getKey(), e.getValue());
            usedBytes += e.getValue().footprint();
        }
        pinned.clear();
    }

    /** Forgets a table whose on-disk state may differ from memory (a failed write) or that was freed. */
    public synchronized void invalidate(long hostOffset) {
        pinned.remove(hostOffset);
        L2Table old = tables.remove(hostOffset);
        if (old != null) {
            usedBytes -= old.footprint();
        }
    }

    public synchronized int size() {
        return tables.size();
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }
}
