package org.aiofs.image.qcow2;

/**
 * One L2 table entry decoded: the 64-bit descriptor (and, with extended L2, the subcluster
 * bitmap that follows it). Bit 63 COPIED, bit 62 compressed, bit 0 "reads as zero",
 * bits 9..55 the host cluster offset of a standard cluster.
 */
public record L2Entry(long word, SubclusterBitmap bitmap) {
    public static final long COPIED = 1L << 63;
    public static final long COMPRESSED = 1L << 62;
    public static final long ZERO = 1L;
    public static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** Bits 1..8 and 56..61 of a standard descriptor must be zero. */
    public static final long STANDARD_RESERVED = 0x3f00_0000_0000_01feL;

    public enum Kind {
        /** No data here: read the backing image (or zeroes). */
        UNALLOCATED,
        /** Reads as zeroes, no host cluster. */
        ZERO_PLAIN,
        /** Reads as zeroes, a host cluster is kept preallocated. */
        ZERO_ALLOCATED,
        /** Data at {@link #hostOffset()}. */
        NORMAL,
        COMPRESSED
    }

    /** As {@link #kind(long, boolean, boolean)} classifies this entry (extended when it has a bitmap). */
    public Kind kind(boolean externalDataFile) {
        return kind(word, bitmap != null, externalDataFile);
    }

    /**
     * Classifies a descriptor as QEMU's qcow2_get_cluster_type does. With an external data
     * file, host offset 0 is a real cluster when the COPIED bit says it is allocated. With
     * extended L2 the zero bit is unused (the subcluster bitmap says what reads as zeroes).
     */
    public static Kind kind(long word, boolean extendedL2, boolean externalDataFile) {
        if ((word & COMPRESSED) != 0) {
            return Kind.COMPRESSED;
        }
        long host = word & OFFSET_MASK;
        if ((word & ZERO) != 0 && !extendedL2) {
            return host != 0 ? Kind.ZERO_ALLOCATED : Kind.ZERO_PLAIN;
        }
        if (host == 0) {
            return externalDataFile && (word & COPIED) != 0 ? Kind.NORMAL : Kind.UNALLOCATED;
        }
        return Kind.NORMAL;
    }

    public long hostOffset() {
        return word & OFFSET_MASK;
    }

    public boolean copied() {
        return (word & COPIED) != 0;
    }
}
