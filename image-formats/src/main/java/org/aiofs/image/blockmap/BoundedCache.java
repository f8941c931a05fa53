package org.aiofs.image.blockmap;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The most recently used pieces of metadata (sector bitmaps) by a long key, at most a fixed
 * number of them: loading happens outside the lock, so a slow read does not hold up lookups
 * of other keys. The images that use it are read-only, so an entry never goes stale.
 */
public final class BoundedCache<V> {
    @FunctionalInterface
    public interface Loader<V> {
        V load(long key) throws IOException;
    }

    private final Map<Long, V> entries;
    private final Loader<V> loader;

    public BoundedCache(int maxEntries, Loader<V> loader) {
        this.loader = loader;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, V> eldest) {
                return size() > maxEntries;
            }
        };
    }

    public V get(long key) throws IOException {
        synchronized (this) {
            V v = entries.get(key);
            if (v != null) {
                return v;
            }
        }
        V loaded = loader.load(key);
        synchronized (this) {
            entries.putIfAbsent(key, loaded);
            return loaded;
        }
    }
}
