package org.aiofs.image.vmdk.extent;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * A least-recently-used map within a budget of bytes (each value weighed by {@code weigher});
 * the newest entry always stays. Thread-safe; callers load misses outside it, so a slow read
 * never serialises lookups (two threads may load the same entry; the first one stored wins).
 */
public final class LruCache<K, V> {
    private final long budgetBytes;
    private final ToLongFunction<V> weigher;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long usedBytes;

    public LruCache(long budgetBytes, ToLongFunction<V> weigher) {
        this.budgetBytes = budgetBytes;
        this.weigher = weigher;
    }

    public synchronized V get(K key) {
        return entries.get(key);
    }

    /** Stores {@code value} unless another thread stored one first; returns the one kept. */
    public synchronized V putIfAbsent(K key, V value) {
        V raced = entries.get(key);
        if (raced != null) {
            return raced;
        }
        entries.put(key, value);
        usedBytes += weigher.applyAsLong(value);
        Iterator<Map.Entry<K, V>> it = entries.entrySet().iterator();
        while (usedBytes > budgetBytes && entries.size() > 1 && it.hasNext()) {
            Map.Entry<K, V> eldest = it.next();
            if (eldest.getKey().equals(key)) {
                continue;
            }
            usedBytes -= weigher.applyAsLong(eldest.getValue());
            it.remove();
        }
        return value;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }
}
