package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

/** One L2 table as loaded from a cluster: 64-bit entries, or 128-bit ones with extended L2. */
public final class L2Table {
    private final long[] words;
    private final boolean extended;

    private L2Table(long[] words, boolean extended) {
        this.words = words;
        this.extended = extended;
    }

    /** Decodes a whole cluster (big-endian). */
    public static L2Table decode(ByteBuffer cluster, boolean extended) {
        long[] words = new long[cluster.remaining() / 8];
        int base = cluster.position();
        for (int i = 0; i < words.length; i++) {
            words[i] = cluster.getLong(base + i * 8);
        }
        return new L2Table(words, extended);
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
    public long footprint() {
        return 16L + words.length * 8L;
    }
}
