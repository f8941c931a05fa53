package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.image.ImageException;

/**
 * Read-side validation of the refcount structure: the width (1..64 bits, refcount_order
 * 0..6, checked with the header) and each refcount table entry pointing to a
 * cluster-aligned block inside the file. Refcounts themselves are not needed for reading.
 */
public final class RefcountTable {
    private static final long RESERVED = 0x1ffL;

    private final int refcountBits;
    private final int blocks;

    private RefcountTable(int refcountBits, int blocks) {
        this.refcountBits = refcountBits;
        this.blocks = blocks;
    }

    public static RefcountTable validate(MetadataReader reader, Qcow2Header header, long fileSize)
            throws IOException {
        int entries = (int) (((long) header.refcountTableClusters() << header.clusterBits()) / 8);
        if (entries == 0) {
            throw ImageException.corrupt(reader.image(), "refcount_table_clusters is 0");
        }
        long[] table = reader.readLongs(header.refcountTableOffset(), entries, "refcount table");
        int blocks = 0;
        long clusterMask = header.clusterSize() - 1;
        for (int i = 0; i < entries; i++) {
            long e = table[i];
            if (e == 0) {
                continue;
            }
            long offset = e & ~RESERVED;
            if ((e & RESERVED) != 0 || (offset & clusterMask) != 0) {
                throw ImageException.corrupt(reader.image(), "refcount table entry " + i + " (0x"
                        + Long.toHexString(e) + ") is not a cluster-aligned offset");
            }
            if (offset < 0 || offset > fileSize - header.clusterSize()) {
                throw ImageException.corrupt(reader.image(), "refcount block at 0x" + Long.toHexString(offset)
                        + " (refcount table entry " + i + ") lies beyond the end of the file (" + fileSize + " bytes)");
            }
            blocks++;
        }
        return new RefcountTable(header.refcountBits(), blocks);
    }

    public int refcountBits() {
        return refcountBits;
    }

    public int blocks() {
        return blocks;
    }
}
