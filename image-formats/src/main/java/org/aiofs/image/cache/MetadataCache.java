package org.aiofs.image.cache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The metadata a mount keeps in memory (L2 tables, refcount blocks, inflated compressed
 * clusters, of every image of the chain and every snapshot), under one budget, in the
 * shape of QEMU's Qcow2Cache and cryptofs' ChunkCache.
 *
 * <p>An entry is pinned while someone uses it ({@link #acquire} to {@link Entry#release});
 * a driver that changes an entry keeps it pinned until the change is on disk (the driver
 * writes it back, in its own dependency order: qcow2 writes refcount blocks before the L2
 * tables that need them). Only unpinned entries are evicted, least recently used first,
 * so pinned entries may hold the cache above its budget for as long as they are pinned.
 *
 * <p>Entries are keyed by a {@link #space space} (one per file and kind of metadata: two
 * snapshots of one image share the L2 tables they share on disk) and an offset. A space
 * may have its own cap inside the budget (inflated clusters must not push out the tables).
 *
 * <p>A space may take back the values the cache drops while nobody holds them ({@link
 * Recycler}), as QEMU's cache reuses its slots: a table read into a recycled value costs no
 * allocation, where a large image under random I/O otherwise turns every miss into 64 KiB of
 * garbage for the collector.
 */
public final class MetadataCache {
    /**
     * 32 MiB, QEMU's default cap for one image's L2 cache on Linux: at 64 KiB clusters it
     * holds the L2 tables of a 256 GiB disk. Here it covers the whole mount.
     */
    public static final long DEFAULT_BYTES = 32L << 20;

    /** What a cached value costs in memory. */
    public interface Sized {
        long footprint();
    }

    /** Reads an entry that is not cached; called without the cache's lock held. */
    @FunctionalInterface
    public interface Loader<T extends Sized> {
        T load(long offset) throws IOException;
    }

    /**
     * Takes back a value the cache dropped unpinned (evicted, invalidated, replaced, or loaded
     * twice in a race): nobody holds it, so its storage may serve the next load. Called with
     * the cache's lock held: keep it short.
     */
    @FunctionalInterface
    public interface Recycler<T> {
        void recycle(T value);
    }

    private record Key(int space, long offset) {
    }

    /** A key space: its name (for messages), its cap and what its entries hold now. */
    private static final class Space {
        final String name;
        final long capBytes;
        final Recycler<Object> recycler;
        long usedBytes;

        Space(String name, long capBytes, Recycler<Object> recycler) {
            this.name = name;
            this.capBytes = capBytes;
            this.recycler = recycler;
        }
    }

    private final long budgetBytes;
    private final List<Space> spaces = new ArrayList<>();
    private final LinkedHashMap<Key, Entry<?>> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long usedBytes;
    private long peakBytes;
    private long hits;
    private long misses;
    private long evictions;

    public MetadataCache(long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("cache size must be positive, not " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** A new key space: one per file and kind of metadata. {@code name} is for messages. */
    public int space(String name) {
        return space(name, budgetBytes);
    }

    /** A new key space whose unpinned entries are evicted once they hold more than {@code capBytes}. */
    public int space(String name, long capBytes) {
        return addSpace(new Space(name, capBytes, null));
    }

    /** A new key space whose dropped values go back to {@code recycler}. */
    @SuppressWarnings("unchecked")
    public <T extends Sized> int space(String name, Recycler<T> recycler) {
        return addSpace(new Space(name, budgetBytes, (Recycler<Object>) (Recycler<?>) recycler));
    }

    private synchronized int addSpace(Space space) {
        spaces.add(space);
        return spaces.size() - 1;
    }

    /** The entry at {@code offset}, loaded if needed, pinned: call {@link Entry#release} when done. */
    public <T extends Sized> Entry<T> acquire(int space, long offset, Loader<T> loader) throws IOException {
        Key key = new Key(space, offset);
        Entry<T> e = pinIfPresent(key);
        if (e != null) {
            return e;
        }
        T value = loader.load(offset);
        synchronized (this) {
            @SuppressWarnings("unchecked")
            Entry<T> raced = (Entry<T>) entries.get(key);
            if (raced != null) {
                raced.pins++;
                recycle(space, value);
                return raced;
            }
            Entry<T> fresh = new Entry<>(this, key, value, 1);
            insert(fresh);
            return fresh;
        }
    }

    /** The entry if it is cached, pinned; else null. */
    public <T extends Sized> Entry<T> acquireIfPresent(int space, long offset) {
        return pinIfPresent(new Key(space, offset));
    }

    /** A value made in memory (a new table): replaces whatever was cached there, returned pinned. */
    public synchronized <T extends Sized> Entry<T> insertPinned(int space, long offset, T value) {
        Key key = new Key(space, offset);
        Entry<?> old = remove(key);
        if (old != null && old.pins == 0) {
            recycle(space, old.value);
        }
        Entry<T> e = new Entry<>(this, key, value, 1);
        insert(e);
        return e;
    }

    /** A value cached unpinned (an inflated cluster), unless one is already there. */
    public synchronized <T extends Sized> void put(int space, long offset, T value) {
        Key key = new Key(space, offset);
        if (!entries.containsKey(key)) {
            insert(new Entry<>(this, key, value, 0));
        }
    }

    /** Forgets an entry whose on-disk state changed under it (its cluster was freed). Pinned ones stay. */
    public synchronized void invalidate(int space, long offset) {
        Entry<?> e = entries.get(new Key(space, offset));
        if (e != null && e.pins == 0) {
            remove(e.key);
            recycle(space, e.value);
        }
    }

    @SuppressWarnings("unchecked")
    private synchronized <T extends Sized> Entry<T> pinIfPresent(Key key) {
        Entry<T> e = (Entry<T>) entries.get(key);
        if (e == null) {
            misses++;
            return null;
        }
        hits++;
        e.pins++;
        return e;
    }

    private void insert(Entry<?> e) {
        entries.put(e.key, e);
        usedBytes += e.bytes;
        Space space = spaces.get(e.key.space());
        space.usedBytes += e.bytes;
        if (space.usedBytes > space.capBytes) {
            evict(space);
        }
        evict(null);
        peakBytes = Math.max(peakBytes, usedBytes);
    }

    /** The entry that was at {@code key}, now out of the cache, or null. */
    private Entry<?> remove(Key key) {
        Entry<?> old = entries.remove(key);
        if (old != null) {
            account(old);
        }
        return old;
    }

    private void account(Entry<?> removed) {
        usedBytes -= removed.bytes;
        spaces.get(removed.key.space()).usedBytes -= removed.bytes;
    }

    /**
     * Least recently used first, pinned entries passed over, until the cache is within its
     * budget (space null) or the space within its cap.
     */
    private void evict(Space space) {
        Iterator<Entry<?>> it = entries.values().iterator();
        while ((space == null ? usedBytes > budgetBytes : space.usedBytes > space.capBytes) && it.hasNext()) {
            Entry<?> e = it.next();
            if (e.pins == 0 && (space == null || spaces.get(e.key.space()) == space)) {
                it.remove();
                account(e);
                evictions++;
                recycle(e.key.space(), e.value);
            }
        }
    }

    private void recycle(int space, Object value) {
        Recycler<Object> recycler = spaces.get(space).recycler;
        if (recycler != null) {
            recycler.recycle(value);
        }
    }

    private synchronized void unpin(Entry<?> e) {
        if (e.pins <= 0) {
            throw new IllegalStateException("cache entry " + e.key + " released more often than acquired");
        }
        e.pins--;
        if (e.pins == 0 && usedBytes > budgetBytes) {
            evict(null);
        }
    }

    private synchronized void pinAgain(Entry<?> e) {
        if (e.pins <= 0) {
            throw new IllegalStateException("cache entry " + e.key + " pinned again after its last release");
        }
        e.pins++;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Bytes of the entries held now (pinned ones included). */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** The most {@link #usedBytes} has been since the cache was made. */
    public synchronized long peakBytes() {
        return peakBytes;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized long evictions() {
        return evictions;
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Bytes of the entries that are pinned now. */
    public synchronized long pinnedBytes() {
        long sum = 0;
        for (Entry<?> e : entries.values()) {
            if (e.pins > 0) {
                sum += e.bytes;
            }
        }
        return sum;
    }

    /** What each space holds now, by name, for info.json. */
    public synchronized java.util.Map<String, Long> bytesBySpace() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (Space s : spaces) {
            if (s.usedBytes > 0) {
                out.merge(s.name, s.usedBytes, Long::sum);
            }
        }
        return out;
    }

    /** One cached value and its pins (guarded by the cache's lock). */
    public static final class Entry<T extends Sized> {
        private final MetadataCache cache;
        private final Key key;
        private final T value;
        private final long bytes;
        private int pins;

        private Entry(MetadataCache cache, Key key, T value, int pins) {
            this.cache = cache;
            this.key = key;
            this.value = value;
            this.bytes = value.footprint();
            this.pins = pins;
        }

        public T value() {
            return value;
        }

        public long offset() {
            return key.offset();
        }

        /** One more pin on an entry already pinned (a second holder, e.g. a pending write-back). */
        public Entry<T> pin() {
            cache.pinAgain(this);
            return this;
        }

        /** Drops one pin; the entry may be evicted once none is left. */
        public void release() {
            cache.unpin(this);
        }
    }
}
