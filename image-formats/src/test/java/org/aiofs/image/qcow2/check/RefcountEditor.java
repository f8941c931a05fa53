package org.aiofs.image.qcow2.check;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.image.qcow2.RefcountEntries;

/** Hand edits of stored refcounts (any width), to damage images the way a bug or a crash would. */
final class RefcountEditor {
    private RefcountEditor() {
    }

    static long get(Path image, long cluster) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            Where w = where(f, cluster);
            return RefcountEntries.get(w.block, w.index, w.order);
        }
    }

    static void set(Path image, long cluster, long value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            Where w = where(f, cluster);
            RefcountEntries.set(w.block, w.index, w.order, value);
            f.seek(w.offset);
            f.write(w.block.array());
        }
    }

    private record Where(long offset, ByteBuffer block, int index, int order) {
    }

    private static Where where(RandomAccessFile f, long cluster) throws IOException {
        f.seek(4);
        int version = f.readInt();
        f.seek(20);
        int clusterBits = f.readInt();
        f.seek(48);
        long reftable = f.readLong();
        int order = 4;
        if (version == 3) {
            f.seek(96);
            order = f.readInt();
        }
        int blockBits = clusterBits - (order - 3);
        f.seek(reftable + (cluster >>> blockBits) * 8);
        long block = f.readLong() & ~0x1ffL;
        if (block == 0) {
            throw new IllegalStateException("no refcount block for cluster " + cluster);
        }
        byte[] b = new byte[1 << clusterBits];
        f.seek(block);
        f.readFully(b);
        return new Where(block, ByteBuffer.wrap(b), (int) (cluster & ((1L << blockBits) - 1)), order);
    }
}
