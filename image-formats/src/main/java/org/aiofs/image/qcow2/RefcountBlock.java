package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

import org.aiofs.image.cache.MetadataCache;

/** One refcount block in memory, entries of 2^order bits laid out as on disk (see {@link RefcountEntries}). */
final class RefcountBlock implements MetadataCache.Sized {
    private final ByteBuffer bytes;
    private final int order;

    private RefcountBlock(ByteBuffer bytes, int order) {
        this.bytes = bytes;
        this.order = order;
    }

    /** A copy of a block as read from disk. */
    static RefcountBlock decode(ByteBuffer raw, int order) {
        ByteBuffer heap = ByteBuffer.allocate(raw.remaining());
        heap.put(raw.duplicate()).clear();
        return new RefcountBlock(heap, order);
    }

    static RefcountBlock empty(int clusterSize, int order) {
        return new RefcountBlock(ByteBuffer.allocate(clusterSize), order);
    }

    long get(int index) {
        return RefcountEntries.get(bytes, index, order);
    }

    void set(int index, long value) {
        RefcountEntries.set(bytes, index, order, value);
    }

    /** Bytes [from, to) as they go on disk, copied (the block keeps changing while they are written). */
    ByteBuffer encode(int from, int to) {
        return ByteBuffer.allocateDirect(to - from).put(bytes.slice(from, to - from)).flip();
    }

    /** The first byte entry {@code index} occupies. */
    int firstByte(int index) {
        return (int) (((long) index << order) >>> 3);
    }

    /** One past the last byte entry {@code index} occupies. */
    int endByte(int index) {
        return (int) ((((long) index + 1 << order) + 7) >>> 3);
    }

    @Override
    public long footprint() {
        return bytes.capacity() + 48L;
    }
}
