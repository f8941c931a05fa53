package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

import org.aiofs.image.cache.MetadataCache;

/**
 * One L2 table as loaded from a cluster: 64-bit entries, or 128-bit ones with extended L2.
 * The writer changes entries in place, under the image's metadata lock; readers of a
 * writable image read them under the same lock.
 */
public final class L2Table implements MetadataCache.Sized {
    private final long[] words;
    private final boolean extended;

    private L2Table(long[] words, boolean extended) {
        this.words = words;
        this.extended = extended;
    }

    /** Decodes a whole cluster (big-endian). */
    public static L2Table decode(ByteBuffer cluster, boolean extended) {
        return decode(cluster, extended, null);
    }

    /** Decodes a whole cluster into {@code storage} when it fits exactly (a dropped table's), else into new words. */
    static L2Table decode(ByteBuffer cluster, boolean extended, long[] storage) {
        int n = cluster.remaining() / 8;
        long[] words = storage != null && storage.length == n ? storage : new long[n];
        int base = cluster.position();
        for (int i = 0; i < words.length; i++) {
            words[i] = cluster.getLong(base + i * 8);
        }
        return new L2Table(words, extended);
    }

    /** A table of zero entries (a new table for a part of the disk that had none). */
    public static L2Table empty(int clusterSize, boolean extended) {
        return new L2Table(new long[clusterSize / 8], extended);
    }

    /** The words, for reuse once the cache dropped this table (see {@link L2Tables}). */
    long[] storage() {
        return words;
    }

    public L2Table copy() {
        return new L2Table(words.clone(), extended);
    }

    /** Sets entry {@code index}; {@code bitmap} is ignored without extended L2. */
    public void set(int index, long word, long bitmap) {
        if (extended) {
            words[2 * index] = word;
            words[2 * index + 1] = bitmap;
        } else {
            words[index] = word;
        }
    }

    /** Bytes one entry takes on disk. */
    public int entryBytes() {
        return extended ? 16 : 8;
    }

    /** Entries {@code from} (inclusive) to {@code to} (exclusive), big-endian, as they go on disk. */
    public ByteBuffer encode(int from, int to) {
        int per = extended ? 2 : 1;
        ByteBuffer b = ByteBuffer.allocateDirect((to - from) * per * 8);
        for (int i = from * per; i < to * per; i++) {
            b.putLong(words[i]);
        }
        return b.flip();
    }

    public int entries() {
        return extended ? words.length / 2 : words.length;
    }

    public L2Entry entry(int index) {
        if (extended) {
            return new L2Entry(words[2 * index], new SubclusterBitmap(words[2 * index + 1]));
        }
        return new L2Entry(words[index], null);
    }

    /** Bytes this table keeps in memory, for the cache's budget. */
    @Override
    public long footprint() {
        return 16L + words.length * 8L;
    }
}
