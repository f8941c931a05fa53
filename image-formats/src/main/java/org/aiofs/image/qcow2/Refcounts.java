package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;
import org.aiofs.image.cache.MetadataCache;

/**
 * The refcounts of a writable image, in memory: reads and changes refcounts of any width
 * (1..64 bits), finds free clusters, makes refcount blocks (a new block counts itself when
 * it can) and grows the table. Blocks live in the mount's metadata cache; nothing is
 * written here. A changed block stays pinned until {@link #takeWriteback} hands its bytes
 * to the commit, which writes them in order: blocks (and a moved table) first, then the
 * table entries or the header that make new ones reachable. Used under the writer's lock.
 */
final class Refcounts {
    private final String image;
    private final HostFile file;
    private final MetadataReader reader;
    private final MetadataMap meta;
    private final MetadataCache cache;
    private final int space;
    private final MetadataCache.Loader<RefcountBlock> loader;
    private final int clusterBits;
    private final int clusterSize;
    private final int order;
    private final long maxRefcount;
    /** Entries per refcount block. */
    private final int perBlock;
    private long[] table;
    private long tableOffset;
    private final RefcountTableGrowth growth;
    /** Changed blocks by index: the pinned entry and the dirty byte range. */
    private final Map<Long, DirtyBlock> dirty = new TreeMap<>();
    private int tableDirtyFrom = Integer.MAX_VALUE;
    private int tableDirtyTo;
    /** The table was rebuilt elsewhere: written whole, then the header switched to it. */
    private boolean tableMoved;
    /** Tables replaced since the last commit: freed once the header names the new one. */
    private final List<long[]> replacedTables = new ArrayList<>();
    private long freeHint;
    /** Clusters at and above this index are free: nothing is allocated there. */
    private long highWater;
    private FreeCheck freeCheck = offset -> { };

    /** Refuses a cluster the refcounts call free that holds metadata (damaged refcounts). */
    @FunctionalInterface
    interface FreeCheck {
        void verifyFree(long offset) throws ImageException;
    }

    private static final class DirtyBlock {
        final MetadataCache.Entry<RefcountBlock> entry;
        int from;
        int to;

        DirtyBlock(MetadataCache.Entry<RefcountBlock> entry, int from, int to) {
            this.entry = entry;
            this.from = from;
            this.to = to;
        }
    }

    /** What a commit writes for the refcounts, taken at one instant. */
    record Writeback(List<IoRequest.Write> blocks, IoRequest.Write movedTable, List<IoRequest.Write> reachability,
            List<long[]> replacedTables, List<MetadataCache.Entry<RefcountBlock>> pins) {
        boolean isEmpty() {
            return blocks.isEmpty() && movedTable == null && reachability.isEmpty() && replacedTables.isEmpty();
        }

        void release() {
            pins.forEach(MetadataCache.Entry::release);
        }
    }

    Refcounts(String image, HostFile file, MetadataReader reader, MetadataMap meta, Qcow2Header header,
            MetadataCache cache) throws IOException {
        this.image = image;
        this.file = file;
        this.reader = reader;
        this.meta = meta;
        this.cache = cache;
        this.space = cache.space(image + " refcount blocks");
        this.loader = this::load;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.order = header.refcountOrder();
        this.maxRefcount = RefcountEntries.max(order);
        this.perBlock = (int) (((long) clusterSize * 8) >>> order);
        this.tableOffset = header.refcountTableOffset();
        int entries = (int) (((long) header.refcountTableClusters() << clusterBits) / 8);
        this.table = reader.readLongs(tableOffset, entries, "refcount table");
        meta.add(tableOffset, (long) header.refcountTableClusters() << clusterBits, MetadataMap.Kind.REFCOUNT_TABLE);
        for (long e : table) {
            if (e != 0) {
                meta.add(e & ~0x1ffL, clusterSize, MetadataMap.Kind.REFCOUNT_BLOCK);
            }
        }
        this.highWater = (file.size() + clusterSize - 1) >>> clusterBits;
        this.growth = new RefcountTableGrowth(image, clusterBits, perBlock);
    }

    void checkWith(FreeCheck check) {
        this.freeCheck = check;
    }

    long get(long cluster) throws IOException {
        long b = cluster / perBlock;
        if (b >= table.length || table[(int) b] == 0) {
            return 0;
        }
        MetadataCache.Entry<RefcountBlock> e = acquire(b);
        try {
            return e.value().get((int) (cluster % perBlock));
        } finally {
            e.release();
        }
    }

    /** Allocates one free cluster with refcount 1 and returns its index. */
    long allocate() throws IOException {
        long c = findFree();
        set(c, 1);
        return c;
    }

    /** Drops one reference to each cluster [offset, offset+length) touches; {@code freed} hears of those at 0. */
    void decrement(long offset, long length, LongConsumer freed) throws IOException {
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            long r = get(c);
            if (r == 0) {
                throw ImageException.corrupt(image, "refcount of cluster 0x" + Long.toHexString(c << clusterBits)
                        + " would drop below zero");
            }
            set(c, r - 1);
            if (r == 1) {
                freeHint = Math.min(freeHint, c);
                freed.accept(c << clusterBits);
            }
        }
    }

    /** Bytes of changed blocks waiting for a commit. */
    long dirtyBytes() {
        return (long) dirty.size() * clusterSize;
    }

    /** Everything changed since the last call, as writes; the blocks stay pinned until {@link Writeback#release}. */
    Writeback takeWriteback() {
        Writeback blocks = takeBlockWrites();
        IoRequest.Write moved = null;
        List<IoRequest.Write> reachability = new ArrayList<>();
        if (tableMoved) {
            ByteBuffer t = ByteBuffer.allocateDirect(table.length * 8);
            for (long e : table) {
                t.putLong(e);
            }
            moved = new IoRequest.Write(file, tableOffset, t.flip());
            ByteBuffer h = ByteBuffer.allocateDirect(12).putLong(tableOffset)
                    .putInt((int) ((table.length * 8L) >>> clusterBits)).flip();
            reachability.add(new IoRequest.Write(file, Qcow2Header.REFCOUNT_TABLE_FIELDS_AT, h));
        } else if (tableDirtyFrom < tableDirtyTo) {
            ByteBuffer t = ByteBuffer.allocateDirect((tableDirtyTo - tableDirtyFrom) * 8);
            for (int i = tableDirtyFrom; i < tableDirtyTo; i++) {
                t.putLong(table[i]);
            }
            reachability.add(new IoRequest.Write(file, tableOffset + tableDirtyFrom * 8L, t.flip()));
        }
        tableMoved = false;
        tableDirtyFrom = Integer.MAX_VALUE;
        tableDirtyTo = 0;
        List<long[]> replaced = List.copyOf(replacedTables);
        replacedTables.clear();
        return new Writeback(blocks.blocks(), moved, reachability, replaced, blocks.pins());
    }

    /**
     * The changed blocks only. A new block written this way is not reachable yet: its table
     * entry stays changed, for the next {@link #takeWriteback}.
     */
    Writeback takeBlockWrites() {
        List<IoRequest.Write> blocks = new ArrayList<>();
        List<MetadataCache.Entry<RefcountBlock>> pins = new ArrayList<>();
        for (DirtyBlock d : dirty.values()) {
            blocks.add(new IoRequest.Write(file, d.entry.offset() + d.from, d.entry.value().encode(d.from, d.to)));
            pins.add(d.entry);
        }
        dirty.clear();
        return new Writeback(blocks, null, List.of(), List.of(), pins);
    }

    /** A replaced table's clusters are free once the header names its successor durably. */
    void dropReplacedTable(long[] range, LongConsumer freed) throws IOException {
        meta.remove(range[0], range[1]);
        decrement(range[0], range[1], freed);
    }

    long highWaterOffset() {
        return highWater << clusterBits;
    }

    long tableOffset() {
        return tableOffset;
    }

    private long findFree() throws IOException {
        long c = Math.max(freeHint, 1);
        while (c < highWater && get(c) != 0) {
            c++;
        }
        freeHint = c + 1;
        freeCheck.verifyFree(c << clusterBits);
        return c;
    }

    private void set(long cluster, long value) throws IOException {
        if (Long.compareUnsigned(value, maxRefcount) > 0) {
            throw new ImageException(image + ": refcount of cluster 0x" + Long.toHexString(cluster << clusterBits)
                    + " would exceed " + (1 << order) + " bits", Errno.EIO);
        }
        long b = cluster / perBlock;
        MetadataCache.Entry<RefcountBlock> e = forUpdate(b);
        try {
            int index = (int) (cluster % perBlock);
            e.value().set(index, value);
            markDirty(b, e, e.value().firstByte(index), e.value().endByte(index));
        } finally {
            e.release();
        }
        if (value != 0 && cluster >= highWater) {
            highWater = cluster + 1;
        }
    }

    private void markDirty(long b, MetadataCache.Entry<RefcountBlock> e, int from, int to) {
        DirtyBlock d = dirty.get(b);
        if (d == null) {
            dirty.put(b, new DirtyBlock(e.pin(), from, to));
        } else {
            d.from = Math.min(d.from, from);
            d.to = Math.max(d.to, to);
        }
    }

    private void markTableDirty(int index) {
        tableDirtyFrom = Math.min(tableDirtyFrom, index);
        tableDirtyTo = Math.max(tableDirtyTo, index + 1);
    }

    /** The block's entry, pinned; a missing block is made (and the table grown) first. */
    private MetadataCache.Entry<RefcountBlock> forUpdate(long b) throws IOException {
        if (b >= table.length) {
            growTable(b + 1);
        }
        if (table[(int) b] == 0) {
            return createBlock(b);
        }
        return acquire(b);
    }

    private MetadataCache.Entry<RefcountBlock> acquire(long b) throws IOException {
        return cache.acquire(space, table[(int) b] & ~0x1ffL, loader);
    }

    private RefcountBlock load(long offset) throws IOException {
        if ((offset & (clusterSize - 1)) != 0 || offset > file.size() - clusterSize) {
            throw ImageException.corrupt(image, "refcount block at 0x" + Long.toHexString(offset)
                    + " is unaligned or beyond the end of the file");
        }
        return reader.readDecoded(offset, clusterSize, "refcount block", b -> RefcountBlock.decode(b, order));
    }

    /** A new block for index {@code b} in a free cluster (inside its own range when possible: it counts itself). */
    private MetadataCache.Entry<RefcountBlock> createBlock(long b) throws IOException {
        long c = findFree();
        MetadataCache.Entry<RefcountBlock> e = newBlock(b, c);
        if (c / perBlock == b) {
            int index = (int) (c % perBlock);
            e.value().set(index, 1);
            highWater = Math.max(highWater, c + 1);
        } else {
            set(c, 1);
        }
        return e;
    }

    /** An empty block at cluster {@code c} for index {@code b}: in the table, the overlap map and the cache. */
    private MetadataCache.Entry<RefcountBlock> newBlock(long b, long c) {
        long offset = c << clusterBits;
        MetadataCache.Entry<RefcountBlock> e = cache.insertPinned(space, offset, RefcountBlock.empty(clusterSize, order));
        table[(int) b] = offset;
        markTableDirty((int) b);
        meta.add(offset, clusterSize, MetadataMap.Kind.REFCOUNT_BLOCK);
        markDirty(b, e, 0, clusterSize);
        return e;
    }

    /**
     * A bigger table past everything allocated, with the new blocks that count it (and
     * themselves). The old table's clusters are freed after the commit that switches the header.
     */
    private void growTable(long minEntries) throws IOException {
        RefcountTableGrowth.Placement p = growth.place(table, minEntries, Math.max(highWater, freeHint), this::get);
        long[] newTable = java.util.Arrays.copyOf(table, (int) p.entries());
        long[] old = table;
        replacedTables.add(new long[] {tableOffset, (long) old.length * 8});
        table = newTable;
        long next = p.start() + p.tableClusters();
        for (long bi = p.start() / perBlock; bi <= (p.end() - 1) / perBlock; bi++) {
            if (bi >= old.length || old[(int) bi] == 0) {
                newBlock(bi, next++).release();
            }
        }
        tableOffset = p.start() << clusterBits;
        tableMoved = true;
        meta.add(tableOffset, p.tableClusters() << clusterBits, MetadataMap.Kind.REFCOUNT_TABLE);
        for (long c = p.start(); c < p.end(); c++) {
            set(c, 1);
        }
    }
}
