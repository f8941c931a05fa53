package org.aiofs.image.qcow2.check;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

import org.aiofs.aio.HostIoException;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.RefcountEntries;

/**
 * The refcounts the image stores: refcount table, then refcount blocks of any width.
 * A cluster past the table or under a zero table entry has refcount 0. One clean block is
 * kept at a time; changes (repair) are kept per block and written back by {@link
 * #writeBack}, which syncs before returning, and which also runs whenever the changed
 * blocks would hold more than {@value #MAX_DIRTY_BYTES} bytes.
 */
final class OnDiskRefcounts {
    static final long REFTABLE_OFFSET_MASK = 0xffff_ffff_ffff_fe00L;
    static final long REFTABLE_RESERVED = 0x1ffL;
    static final long MAX_DIRTY_BYTES = 16L << 20;

    private final CheckFile file;
    private final long[] table;
    private final int clusterBits;
    private final int order;
    private final int blockBits;
    private final long fileSize;
    private final Map<Integer, ByteBuffer> dirty = new TreeMap<>();
    private int cachedIndex = -1;
    /** The clean block last read; null when that buffer became a changed block. */
    private ByteBuffer cached;
    /** Buffers of blocks written back, for the next blocks read. */
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();

    /** Thrown when a refcount can't be known (a broken refcount table entry). */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    OnDiskRefcounts(CheckFile file, Qcow2Header header) throws HostIoException {
        this.file = file;
        this.clusterBits = header.clusterBits();
        this.order = header.refcountOrder();
        this.blockBits = clusterBits - (order - 3);
        int entries = (int) (((long) header.refcountTableClusters() << clusterBits) / 8);
        this.table = file.readLongs(header.refcountTableOffset(), entries);
        this.fileSize = file.size();
    }

    long[] table() {
        return table;
    }

    int order() {
        return order;
    }

    /** How many clusters one refcount block covers. */
    long clustersPerBlock() {
        return 1L << blockBits;
    }

    long get(long cluster) throws Unreadable, HostIoException {
        ByteBuffer block = block(cluster);
        return block == null ? 0 : RefcountEntries.get(block, (int) (cluster & ((1L << blockBits) - 1)), order);
    }

    /**
     * Changes one refcount in memory; false when no refcount block covers the cluster, or
     * the block lies outside the file (read as zeroes, as QEMU reads past the end, but never
     * written there: a table entry such as 0xfff...e00 would otherwise grow the file to exabytes).
     */
    boolean set(long cluster, long value) throws Unreadable, HostIoException {
        ByteBuffer block = block(cluster);
        if (block == null) {
            return false;
        }
        long offset = table[(int) (cluster >>> blockBits)] & REFTABLE_OFFSET_MASK;
        if (offset < 0 || offset > fileSize - (1L << clusterBits)) {
            return false;
        }
        RefcountEntries.set(block, (int) (cluster & ((1L << blockBits) - 1)), order, value);
        if (block == cached) {
            cached = null; // the changed block keeps this buffer until it is written back
            cachedIndex = -1;
        }
        dirty.put((int) (cluster >>> blockBits), block);
        if ((long) dirty.size() << clusterBits > MAX_DIRTY_BYTES) {
            writeBack();
        }
        return true;
    }

    /** Writes the changed blocks, then fdatasync: the refcounts are durable when this returns. */
    void writeBack() throws HostIoException {
        if (dirty.isEmpty()) {
            return;
        }
        for (Map.Entry<Integer, ByteBuffer> e : dirty.entrySet()) {
            file.write(table[e.getKey()] & REFTABLE_OFFSET_MASK, e.getValue().duplicate().clear());
        }
        file.sync();
        spare.addAll(dirty.values());
        dirty.clear();
    }

    private ByteBuffer block(long cluster) throws Unreadable, HostIoException {
        long index = cluster >>> blockBits;
        if (index >= table.length) {
            return null;
        }
        int i = (int) index;
        ByteBuffer d = dirty.get(i);
        if (d != null) {
            return d;
        }
        if (i == cachedIndex) {
            return cached;
        }
        long offset = table[i] & REFTABLE_OFFSET_MASK;
        if (offset == 0) {
            return null;
        }
        if ((offset & ((1L << clusterBits) - 1)) != 0) {
            throw new Unreadable("refblock offset 0x" + Long.toHexString(offset) + " unaligned (reftable index: 0x"
                    + Integer.toHexString(i) + ")");
        }
        if (cached == null) {
            cached = spare.isEmpty() ? ByteBuffer.allocateDirect(1 << clusterBits) : spare.poll();
        }
        cachedIndex = -1;
        file.readInto(offset, cached.clear());
        cachedIndex = i;
        return cached;
    }
}
