package org.aiofs.image.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** Only values nobody holds go back to a space's recycler: a held one must never be reused. */
class MetadataCacheRecyclingTest {
    private record Table(long offset) implements MetadataCache.Sized {
        @Override
        public long footprint() {
            return 100;
        }
    }

    private final List<Table> recycled = new ArrayList<>();
    private final MetadataCache cache = new MetadataCache(250); // two tables fit
    private final int space = cache.space("tables", (MetadataCache.Recycler<Table>) recycled::add);

    private MetadataCache.Entry<Table> acquire(long offset) throws IOException {
        return cache.acquire(space, offset, Table::new);
    }

    @Test
    void theLeastRecentlyUsedUnpinnedTableIsRecycledWhenEvicted() throws IOException {
        MetadataCache.Entry<Table> a = acquire(0);
        a.release();
        acquire(1).release();
        acquire(2).release();
        assertEquals(List.of(a.value()), recycled);
    }

    @Test
    void aPinnedTableIsNeverRecycled() throws IOException {
        MetadataCache.Entry<Table> held = acquire(0);
        for (long offset = 1; offset < 10; offset++) {
            acquire(offset).release();
        }
        assertTrue(recycled.stream().noneMatch(t -> t == held.value()), recycled.toString());
        held.release();
        acquire(10).release();
        assertTrue(recycled.contains(held.value()), "released and then evicted: " + recycled);
    }

    @Test
    void invalidatedAndReplacedTablesAreRecycledOnlyWhenUnpinned() {
        MetadataCache.Entry<Table> held = cache.insertPinned(space, 0, new Table(0));
        cache.invalidate(space, 0);
        MetadataCache.Entry<Table> replacement = cache.insertPinned(space, 0, new Table(0));
        assertEquals(List.of(), recycled, "the first table was still held");
        held.release();
        replacement.release();
        cache.invalidate(space, 0);
        assertEquals(List.of(replacement.value()), recycled);
        MetadataCache.Entry<Table> first = cache.insertPinned(space, 1, new Table(1));
        first.release();
        cache.insertPinned(space, 1, new Table(1)).release();
        assertSame(first.value(), recycled.get(1));
    }

    @Test
    void theLoserOfARacedLoadIsRecycledAndTheWinnerShared() throws Exception {
        CountDownLatch bothLoading = new CountDownLatch(2);
        MetadataCache.Loader<Table> slowLoader = offset -> {
            bothLoading.countDown();
            try {
                bothLoading.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new Table(offset);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<MetadataCache.Entry<Table>> one = pool.submit(() -> cache.acquire(space, 7, slowLoader));
            Future<MetadataCache.Entry<Table>> two = pool.submit(() -> cache.acquire(space, 7, slowLoader));
            Table shared = one.get().value();
            assertSame(shared, two.get().value());
            assertEquals(1, recycled.size());
            assertTrue(recycled.get(0) != shared, "the shared table was recycled");
        } finally {
            pool.shutdownNow();
        }
    }
}
