package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * Steps (B) and (C) of the writer's operations since the last commit: the L2 and L1
 * entries that link what step (A) wrote, and the refcounts to drop once those entries
 * are durable. The tables they touch stay pinned in the L2 cache (readers see the new
 * state) until written. Holding them back puts many allocating writes behind one
 * fdatasync; a crash loses only writes the guest never flushed, and leaks their clusters.
 * Used under the writer's exclusive lock.
 */
final class PendingLinks {
    /** Operations whose links may wait for one commit (a guest flush commits at once). */
    static final int MAX_OPERATIONS = 256;
    static final int MAX_TABLES = 64;

    private final IoEngine engine;
    private final HostFile file;
    private final HostFile dataFile;
    private final ClusterMap map;
    private final Refcounts refcounts;
    private final OverlapGuard guard;
    private final long l1TableOffset;
    private final int clusterBits;
    private final Map<Long, int[]> changedEntries = new TreeMap<>();
    private final Map<Long, L2Table> changedTables = new TreeMap<>();
    private final Set<Integer> l1Changed = new LinkedHashSet<>();
    private final List<long[]> frees = new ArrayList<>();
    private int operations;

    PendingLinks(IoEngine engine, HostFile file, HostFile dataFile, ClusterMap map, Refcounts refcounts,
            OverlapGuard guard, long l1TableOffset, int clusterBits) {
        this.engine = engine;
        this.file = file;
        this.dataFile = dataFile;
        this.map = map;
        this.refcounts = refcounts;
        this.guard = guard;
        this.l1TableOffset = l1TableOffset;
        this.clusterBits = clusterBits;
    }

    void entryChanged(long tableOffset, L2Table table, int index) {
        map.cache().putPinned(tableOffset, table);
        changedTables.put(tableOffset, table);
        int[] r = changedEntries.get(tableOffset);
        if (r == null) {
            changedEntries.put(tableOffset, new int[] {index, index + 1});
        } else {
            r[0] = Math.min(r[0], index);
            r[1] = Math.max(r[1], index + 1);
        }
    }

    void l1Changed(int index) {
        l1Changed.add(index);
    }

    /** Every cluster [offset, offset+length) touches loses one reference once the links are durable. */
    void free(long offset, long length) {
        frees.add(new long[] {offset, length});
    }

    /** The host clusters an entry that is being replaced held (nothing in an external data file: no refcounts). */
    void freeEntry(L2Entry e, L2Entry.Kind kind, boolean external) {
        if (external) {
            return;
        }
        if (kind == L2Entry.Kind.COMPRESSED) {
            CompressedCluster c = CompressedCluster.decode(e.word(), clusterBits);
            free(c.hostOffset(), c.compressedLength());
        } else if (kind == L2Entry.Kind.NORMAL || kind == L2Entry.Kind.ZERO_ALLOCATED) {
            free(e.hostOffset(), 1L << clusterBits);
        }
    }

    /** How many frees are queued: an operation notes it before planning, to take its own back. */
    int freesQueued() {
        return frees.size();
    }

    /** Forgets the frees queued after {@code count}: their operation was taken back. */
    void dropFreesAfter(int count) {
        while (frees.size() > count) {
            frees.remove(frees.size() - 1);
        }
    }

    /** Operations whose links are not durable yet: what a crash (or a failed commit) now would lose. */
    int pendingOperations() {
        return operations;
    }

    int pinnedTables() {
        return changedTables.size();
    }

    /** One more operation's links wait here; true when it is time to commit. */
    boolean operationDone() {
        operations++;
        return operations >= MAX_OPERATIONS || changedTables.size() >= MAX_TABLES;
    }

    /**
     * fdatasync (data file, then image), (B) the entries, and if anything was freed:
     * fdatasync, (C) the refcounts dropped.
     */
    void commit() throws IOException {
        if (changedEntries.isEmpty() && l1Changed.isEmpty() && frees.isEmpty()) {
            operations = 0;
            return;
        }
        try {
            List<IoRequest> batch = new ArrayList<>();
            if (dataFile != file) {
                batch.add(new IoRequest.Flush(dataFile, true));
            }
            batch.add(new IoRequest.Flush(file, true));
            batch.add(new IoRequest.Barrier());
            for (Map.Entry<Long, int[]> c : changedEntries.entrySet()) {
                L2Table t = changedTables.get(c.getKey());
                int[] r = c.getValue();
                batch.add(guard.checked(new IoRequest.Write(file, c.getKey() + (long) r[0] * t.entryBytes(),
                        t.encode(r[0], r[1])), MetadataMap.Kind.ACTIVE_L2));
            }
            if (!l1Changed.isEmpty()) {
                long[] l1 = map.l1Table();
                int lo = l1Changed.stream().mapToInt(Integer::intValue).min().getAsInt();
                int hi = l1Changed.stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
                ByteBuffer b = ByteBuffer.allocateDirect((hi - lo) * 8);
                for (int i = lo; i < hi; i++) {
                    b.putLong(l1[i]);
                }
                batch.add(guard.checked(new IoRequest.Write(file, l1TableOffset + lo * 8L, b.flip()),
                        MetadataMap.Kind.ACTIVE_L1));
            }
            awaitAll(engine.submitBatch(batch));
            map.cache().unpinAll();
            if (!frees.isEmpty()) {
                // the entries that no longer point to these clusters are durable before their refcounts drop
                Futures.await(engine.submit(new IoRequest.Flush(file, true)));
                for (long[] f : frees) {
                    refcounts.decrement(f[0], f[1]);
                }
                List<IoRequest> drops = new ArrayList<>();
                for (IoRequest.Write w : refcounts.dirtyWrites()) {
                    drops.add(guard.checked(w, MetadataMap.Kind.REFCOUNT_BLOCK));
                }
                awaitAll(engine.submitBatch(drops));
            }
            changedEntries.clear();
            changedTables.clear();
            l1Changed.clear();
            frees.clear();
            operations = 0;
        } catch (IOException | RuntimeException e) {
            guard.poison(e);
            throw e;
        }
    }

    static void awaitAll(List<java.util.concurrent.CompletableFuture<Long>> futures) throws IOException {
        IOException first = null;
        for (var f : futures) {
            try {
                Futures.await(f);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
