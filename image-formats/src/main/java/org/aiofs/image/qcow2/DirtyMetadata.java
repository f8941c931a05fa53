package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.cache.MetadataCache;

/**
 * The L2 and L1 changes linked since the last commit, and the clusters to free once they
 * are durable. Changed tables stay pinned in the cache (readers see the new state) until
 * the commit that writes them has written them. Used under the writer's metadata lock.
 */
final class DirtyMetadata {
    private final HostFile file;
    private final long l1TableOffset;
    private final int clusterBits;
    private final Map<Long, DirtyTable> tables = new TreeMap<>();
    private final TreeSet<Integer> l1Changed = new TreeSet<>();
    private final List<long[]> frees = new ArrayList<>();
    private int linkedOperations;
    /** Operations linked since the writer was made: flushes mark how many of them they cover. */
    private long linkedTotal;

    /** A changed table: pinned, the entries changed [from, to), or new (written whole). */
    private static final class DirtyTable {
        final MetadataCache.Entry<L2Table> entry;
        final boolean created;
        /** The write that reserved a new table's cluster; the commit's full write comes after it. */
        CompletableFuture<?> firstWrite;
        int from = Integer.MAX_VALUE;
        int to;

        DirtyTable(MetadataCache.Entry<L2Table> entry, boolean created) {
            this.entry = entry;
            this.created = created;
        }
    }

    /** What one commit writes for L2 and L1, taken at one instant. */
    record Snapshot(List<IoRequest.Write> newTables, List<CompletableFuture<?>> firstWrites,
            List<IoRequest.Write> l2Links, IoRequest.Write l1Link, List<long[]> frees,
            List<MetadataCache.Entry<L2Table>> pins) {
        boolean isEmpty() {
            return newTables.isEmpty() && l2Links.isEmpty() && l1Link == null && frees.isEmpty();
        }

        void release() {
            pins.forEach(MetadataCache.Entry::release);
        }
    }

    DirtyMetadata(HostFile file, long l1TableOffset, int clusterBits) {
        this.file = file;
        this.l1TableOffset = l1TableOffset;
        this.clusterBits = clusterBits;
    }

    /** A table made in memory; {@code firstWrite} is the operation's write of its first content. */
    void tableCreated(MetadataCache.Entry<L2Table> entry, CompletableFuture<?> firstWrite) {
        DirtyTable t = new DirtyTable(entry.pin(), true);
        t.firstWrite = firstWrite;
        DirtyTable old = tables.put(entry.offset(), t);
        if (old != null) {
            old.entry.release();
        }
    }

    void entryChanged(MetadataCache.Entry<L2Table> entry, int index) {
        DirtyTable t = tables.get(entry.offset());
        if (t == null) {
            t = new DirtyTable(entry.pin(), false);
            tables.put(entry.offset(), t);
        }
        if (!t.created) {
            t.from = Math.min(t.from, index);
            t.to = Math.max(t.to, index + 1);
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

    void operationLinked() {
        linkedOperations++;
        linkedTotal++;
    }

    /** Every operation linked so far, committed or not (a flush started now covers them all). */
    long linkedTotal() {
        return linkedTotal;
    }

    int linkedOperations() {
        return linkedOperations;
    }

    /** Memory the changed tables hold pinned. */
    long bytes() {
        return (long) tables.size() << clusterBits;
    }

    /** Everything changed since the last call, as writes; the tables stay pinned until {@link Snapshot#release}. */
    Snapshot take(long[] l1) {
        List<IoRequest.Write> created = new ArrayList<>();
        List<CompletableFuture<?>> firstWrites = new ArrayList<>();
        List<IoRequest.Write> links = new ArrayList<>();
        List<MetadataCache.Entry<L2Table>> pins = new ArrayList<>();
        for (DirtyTable t : tables.values()) {
            L2Table table = t.entry.value();
            if (t.created) {
                created.add(new IoRequest.Write(file, t.entry.offset(), table.encode(0, table.entries())));
                firstWrites.add(t.firstWrite);
            } else {
                links.add(new IoRequest.Write(file, t.entry.offset() + (long) t.from * table.entryBytes(),
                        table.encode(t.from, t.to)));
            }
            pins.add(t.entry);
        }
        tables.clear();
        IoRequest.Write l1Link = null;
        if (!l1Changed.isEmpty()) {
            int lo = l1Changed.first();
            int hi = l1Changed.last() + 1;
            ByteBuffer b = ByteBuffer.allocateDirect((hi - lo) * 8);
            for (int i = lo; i < hi; i++) {
                b.putLong(l1[i]);
            }
            l1Link = new IoRequest.Write(file, l1TableOffset + lo * 8L, b.flip());
            l1Changed.clear();
        }
        List<long[]> freed = List.copyOf(frees);
        frees.clear();
        linkedOperations = 0;
        return new Snapshot(created, firstWrites, links, l1Link, freed, pins);
    }
}
