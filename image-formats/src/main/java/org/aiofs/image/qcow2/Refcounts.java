package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ImageException;

/**
 * The refcount table and its blocks, for the writer: reads and changes refcounts of any
 * width (1..64 bits), finds free clusters, creates refcount blocks (a new block covers
 * itself when it can) and grows the table. Changes stay in memory, marked dirty, until
 * the writer collects them with {@link #dirtyWrites()} into its ordered batch; the few
 * steps that must be durable before a pointer to them exists (a new block before its
 * table entry, a new table before the header names it) are flushed here, synchronously.
 * Used only under the writer's metadata lock.
 */
final class Refcounts {
    private final String image;
    private final HostFile file;
    private final IoEngine engine;
    private final MetadataMap meta;
    private final int clusterBits;
    private final int clusterSize;
    private final int refcountBits;
    private final long maxRefcount;
    /** Entries per refcount block. */
    private final int perBlock;
    private long[] table;
    private long tableOffset;
    private final Map<Long, byte[]> blocks = new HashMap<>();
    /** Dirty byte ranges per block index: [from, to). */
    private final Map<Long, int[]> dirty = new TreeMap<>();
    private long freeHint;
    /** The writer's overlap check, applied to the writes made here. */
    private WriteCheck check = (w, kind) -> w;

    @FunctionalInterface
    interface WriteCheck {
        IoRequest.Write check(IoRequest.Write write, MetadataMap.Kind allowed) throws ImageException;
    }

    /** Refuses a cluster the refcounts call free that holds metadata (damaged refcounts). */
    @FunctionalInterface
    interface FreeCheck {
        void verifyFree(long offset) throws ImageException;
    }

    private FreeCheck freeCheck = offset -> { };
    /** Clusters at and above this index are free: nothing is allocated there. */
    private long highWater;

    Refcounts(String image, HostFile file, IoEngine engine, MetadataMap meta, Qcow2Header header) throws IOException {
        this.image = image;
        this.file = file;
        this.engine = engine;
        this.meta = meta;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.refcountBits = header.refcountBits();
        this.maxRefcount = refcountBits == 64 ? Long.MAX_VALUE : (1L << refcountBits) - 1;
        this.perBlock = (int) ((long) clusterSize * 8 / refcountBits);
        this.tableOffset = header.refcountTableOffset();
        int entries = (int) (((long) header.refcountTableClusters() << clusterBits) / 8);
        this.table = new MetadataReader(file, engine, image).readLongs(tableOffset, entries, "refcount table");
        meta.add(tableOffset, (long) header.refcountTableClusters() << clusterBits, MetadataMap.Kind.REFCOUNT_TABLE);
        for (long e : table) {
            if (e != 0) {
                meta.add(e & ~0x1ffL, clusterSize, MetadataMap.Kind.REFCOUNT_BLOCK);
            }
        }
        long fileClusters = (file.size() + clusterSize - 1) >>> clusterBits;
        this.highWater = fileClusters;
    }

    void checkWith(WriteCheck check, FreeCheck freeCheck) {
        this.check = check;
        this.freeCheck = freeCheck;
    }

    long get(long cluster) throws IOException {
        byte[] block = block(cluster / perBlock, false);
        return block == null ? 0 : read(block, (int) (cluster % perBlock));
    }

    /** Allocates one free cluster with refcount 1 and returns its index. */
    long allocate() throws IOException {
        long c = findFree();
        set(c, 1);
        return c;
    }

    /** Drops one reference to each cluster that [offset, offset+length) touches. */
    void decrement(long offset, long length) throws IOException {
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            long r = get(c);
            if (r == 0) {
                throw ImageException.corrupt(image, "refcount of cluster 0x" + Long.toHexString(c << clusterBits)
                        + " would drop below zero");
            }
            set(c, r - 1);
            if (r == 1 && c < freeHint) {
                freeHint = c;
            }
        }
    }

    /** The writes that bring the file's refcount blocks up to date with memory; clears the dirty marks. */
    List<IoRequest.Write> dirtyWrites() {
        List<IoRequest.Write> out = new ArrayList<>();
        for (Map.Entry<Long, int[]> d : dirty.entrySet()) {
            byte[] block = blocks.get(d.getKey());
            int from = d.getValue()[0];
            int to = d.getValue()[1];
            ByteBuffer b = ByteBuffer.allocateDirect(to - from).put(block, from, to - from).flip();
            out.add(new IoRequest.Write(file, blockOffset(d.getKey()) + from, b));
        }
        dirty.clear();
        return out;
    }

    long highWaterOffset() {
        return highWater << clusterBits;
    }

    long tableOffset() {
        return tableOffset;
    }

    private long blockOffset(long blockIndex) {
        return table[(int) blockIndex] & ~0x1ffL;
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
        if (value < 0 || value > maxRefcount) {
            throw new ImageException(image + ": refcount of cluster 0x" + Long.toHexString(cluster << clusterBits)
                    + " would exceed " + refcountBits + " bits", ImageException.EIO);
        }
        long b = cluster / perBlock;
        byte[] block = block(b, true);
        int index = (int) (cluster % perBlock);
        write(block, index, value);
        markDirty(b, index);
        if (value > 0 && cluster >= highWater) {
            highWater = cluster + 1;
        }
    }

    private void markDirty(long b, int index) {
        int from = (int) ((long) index * refcountBits / 8);
        int to = (int) (((long) (index + 1) * refcountBits + 7) / 8);
        int[] range = dirty.get(b);
        if (range == null) {
            dirty.put(b, new int[] {from, to});
        } else {
            range[0] = Math.min(range[0], from);
            range[1] = Math.max(range[1], to);
        }
    }

    /** The block's contents, loaded on first use; with {@code create}, a missing block is made. */
    private byte[] block(long b, boolean create) throws IOException {
        byte[] block = blocks.get(b);
        if (block != null) {
            return block;
        }
        if (b < table.length && table[(int) b] != 0) {
            long offset = blockOffset(b);
            if ((offset & (clusterSize - 1)) != 0 || offset > file.size() - clusterSize) {
                throw ImageException.corrupt(image, "refcount block " + b + " at 0x" + Long.toHexString(offset)
                        + " is unaligned or beyond the end of the file");
            }
            ByteBuffer raw = new MetadataReader(file, engine, image).read(offset, clusterSize, "refcount block");
            block = new byte[clusterSize];
            raw.get(0, block);
            blocks.put(b, block);
            return block;
        }
        if (!create) {
            return null;
        }
        if (b >= table.length) {
            growTable(b + 1);
            return block(b, true);
        }
        return createBlock(b);
    }

    /**
     * A new refcount block for block index {@code b}: placed in a free cluster (inside its own
     * range when possible, then it counts itself), written and flushed before the table
     * entry that points to it.
     */
    private byte[] createBlock(long b) throws IOException {
        long c = findFree();
        byte[] block = new byte[clusterSize];
        blocks.put(b, block);
        dirty.put(b, new int[] {0, clusterSize});
        if (c / perBlock == b) {
            write(block, (int) (c % perBlock), 1);
            if (c >= highWater) {
                highWater = c + 1;
            }
        } else {
            set(c, 1);
        }
        // memory first (so lookups during the writes below see the block), then the file
        table[(int) b] = c << clusterBits;
        meta.add(c << clusterBits, clusterSize, MetadataMap.Kind.REFCOUNT_BLOCK);
        List<IoRequest> batch = new ArrayList<>();
        for (IoRequest.Write w : dirtyWrites()) {
            batch.add(check.check(w, MetadataMap.Kind.REFCOUNT_BLOCK));
        }
        batch.add(new IoRequest.Barrier());
        batch.add(new IoRequest.Flush(file, true));
        batch.add(new IoRequest.Barrier());
        ByteBuffer entry = ByteBuffer.allocateDirect(8).putLong(0, table[(int) b]);
        batch.add(check.check(new IoRequest.Write(file, tableOffset + b * 8, entry), MetadataMap.Kind.REFCOUNT_TABLE));
        awaitAll(engine.submitBatch(batch));
        return block;
    }

    /**
     * A bigger refcount table at the end of the file, with the new blocks that count it
     * (and themselves): blocks and table written and flushed, then the header switched to
     * it and flushed, then the old table's clusters freed.
     */
    private void growTable(long minEntries) throws IOException {
        long entries = Math.max(minEntries, (long) table.length * 2);
        while (true) {
            long tableClusters = (entries * 8 + clusterSize - 1) >>> clusterBits;
            if ((tableClusters << clusterBits) > Qcow2Header.MAX_REFTABLE_BYTES) {
                throw new ImageException(image + ": the refcount table would exceed "
                        + (Qcow2Header.MAX_REFTABLE_BYTES >> 20) + " MiB", ImageException.ENOSPC);
            }
            long newEntries = (tableClusters << clusterBits) / 8;
            // past everything allocated, and past clusters found free but not yet counted (the one
            // whose refcount needs this growth among them)
            long start = Math.max(highWater, freeHint);
            long newBlocks = 0;
            while (true) {
                long end = start + tableClusters + newBlocks;
                long needed = 0;
                for (long bi = start / perBlock; bi <= (end - 1) / perBlock; bi++) {
                    if (bi >= table.length || table[(int) bi] == 0) {
                        needed++;
                    }
                }
                if (needed == newBlocks) {
                    break;
                }
                newBlocks = needed;
            }
            long end = start + tableClusters + newBlocks;
            long inUse = firstInUse(start, end);
            if (inUse >= 0) {
                // counted clusters past the end of the file (a preallocated image): go past them
                freeHint = inUse + 1;
                continue;
            }
            if ((end - 1) / perBlock >= newEntries) {
                entries = newEntries * 2;
                continue;
            }
            long[] newTable = java.util.Arrays.copyOf(table, (int) newEntries);
            long next = start + tableClusters;
            for (long bi = start / perBlock; bi <= (end - 1) / perBlock; bi++) {
                if (bi >= table.length || table[(int) bi] == 0) {
                    newTable[(int) bi] = next << clusterBits;
                    blocks.put(bi, new byte[clusterSize]);
                    dirty.put(bi, new int[] {0, clusterSize});
                    meta.add(next << clusterBits, clusterSize, MetadataMap.Kind.REFCOUNT_BLOCK);
                    next++;
                }
            }
            long oldOffset = tableOffset;
            long oldBytes = (long) table.length * 8;
            table = newTable;
            for (long c = start; c < end; c++) {
                set(c, 1);
            }
            tableOffset = start << clusterBits;
            meta.add(tableOffset, tableClusters << clusterBits, MetadataMap.Kind.REFCOUNT_TABLE);
            List<IoRequest> batch = new ArrayList<>();
            for (IoRequest.Write w : dirtyWrites()) {
                batch.add(check.check(w, MetadataMap.Kind.REFCOUNT_BLOCK));
            }
            ByteBuffer t = ByteBuffer.allocateDirect((int) (tableClusters << clusterBits));
            for (long e : newTable) {
                t.putLong(e);
            }
            batch.add(check.check(new IoRequest.Write(file, tableOffset, t.flip()), MetadataMap.Kind.REFCOUNT_TABLE));
            batch.add(new IoRequest.Barrier());
            batch.add(new IoRequest.Flush(file, true));
            batch.add(new IoRequest.Barrier());
            ByteBuffer h = ByteBuffer.allocateDirect(12).putLong(tableOffset).putInt((int) tableClusters).flip();
            batch.add(new IoRequest.Write(file, 48, h));
            batch.add(new IoRequest.Barrier());
            batch.add(new IoRequest.Flush(file, true));
            awaitAll(engine.submitBatch(batch));
            meta.remove(oldOffset, oldBytes);
            decrement(oldOffset, oldBytes);
            List<IoRequest> drops = new ArrayList<>();
            for (IoRequest.Write w : dirtyWrites()) {
                drops.add(check.check(w, MetadataMap.Kind.REFCOUNT_BLOCK));
            }
            awaitAll(engine.submitBatch(drops));
            return;
        }
    }

    /** The first cluster in [from, to) with a refcount, or -1. */
    private long firstInUse(long from, long to) throws IOException {
        for (long c = from; c < to; c++) {
            if (get(c) != 0) {
                return c;
            }
        }
        return -1;
    }

    private static void awaitAll(List<java.util.concurrent.CompletableFuture<Long>> futures) throws IOException {
        for (var f : futures) {
            Futures.await(f);
        }
    }

    private long read(byte[] block, int index) {
        if (refcountBits >= 8) {
            int n = refcountBits / 8;
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | (block[index * n + i] & 0xff);
            }
            return v;
        }
        int bit = index * refcountBits;
        return (block[bit >>> 3] >>> (bit & 7)) & ((1 << refcountBits) - 1);
    }

    private void write(byte[] block, int index, long value) {
        if (refcountBits >= 8) {
            int n = refcountBits / 8;
            for (int i = n - 1; i >= 0; i--) {
                block[index * n + i] = (byte) value;
                value >>>= 8;
            }
            return;
        }
        int bit = index * refcountBits;
        int mask = ((1 << refcountBits) - 1) << (bit & 7);
        block[bit >>> 3] = (byte) ((block[bit >>> 3] & ~mask) | ((int) value << (bit & 7) & mask));
    }
}
