package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.image.ImageException;

/**
 * Guest offset to host location through the L1 table (active or a snapshot's) and the
 * L2 tables behind it. Every pointer taken from the image is checked before it is used.
 */
public final class ClusterMap {
    private final String image;
    private final Qcow2Header header;
    private final long[] l1;
    private final L2Cache cache;
    private final boolean externalDataFile;
    /** Grows as the writer allocates clusters at the end of the file. */
    private volatile long imageFileSize;
    private final int clusterBits;
    private final int l2Bits;
    private final int subclusterBits;

    public ClusterMap(String image, Qcow2Header header, long[] l1, L2Cache cache, boolean externalDataFile,
            long imageFileSize) {
        this.image = image;
        this.header = header;
        this.l1 = l1;
        this.cache = cache;
        this.externalDataFile = externalDataFile;
        this.imageFileSize = imageFileSize;
        this.clusterBits = header.clusterBits();
        this.l2Bits = header.l2Bits();
        this.subclusterBits = clusterBits - 5;
    }

    /** The run starting at {@code guestOffset}, at most {@code maxLength} bytes long. */
    public Mapping lookup(long guestOffset, long maxLength) throws IOException {
        long clusterSize = 1L << clusterBits;
        long l1Index = guestOffset >>> (clusterBits + l2Bits);
        long l2Span = 1L << (clusterBits + l2Bits);
        if (l1Index >= l1.length) {
            long run = Math.min(maxLength, l2Span - (guestOffset & (l2Span - 1)));
            return new Mapping(Mapping.Kind.BACKING, guestOffset, run, 0, null);
        }
        long l2Offset = l1[(int) l1Index] & L2Entry.OFFSET_MASK;
        if (l2Offset == 0) {
            long run = Math.min(maxLength, l2Span - (guestOffset & (l2Span - 1)));
            return new Mapping(Mapping.Kind.BACKING, guestOffset, run, 0, null);
        }
        L2Table table = cache.get(l2Offset);
        int l2Index = (int) ((guestOffset >>> clusterBits) & ((1L << l2Bits) - 1));
        L2Entry entry = table.entry(l2Index);
        long inCluster = guestOffset & (clusterSize - 1);
        long clusterRun = Math.min(maxLength, clusterSize - inCluster);
        L2Entry.Kind kind = entry.kind(externalDataFile);
        if (kind == L2Entry.Kind.COMPRESSED) {
            if (externalDataFile) {
                throw corrupt(guestOffset, "is compressed, which an external data file does not allow");
            }
            CompressedCluster c = CompressedCluster.decode(entry.word(), clusterBits);
            if (c.hostOffset() >= imageFileSize || c.hostOffset() < clusterSize) {
                throw corrupt(guestOffset, "points to compressed data at 0x" + Long.toHexString(c.hostOffset())
                        + ", outside the file (" + imageFileSize + " bytes)");
            }
            return new Mapping(Mapping.Kind.COMPRESSED, guestOffset, clusterRun, c.hostOffset(), c);
        }
        if (entry.bitmap() == null) {
            return switch (kind) {
                case UNALLOCATED -> new Mapping(Mapping.Kind.BACKING, guestOffset, clusterRun, 0, null);
                case ZERO_PLAIN, ZERO_ALLOCATED -> new Mapping(Mapping.Kind.ZERO, guestOffset, clusterRun, 0, null);
                default -> new Mapping(Mapping.Kind.DATA, guestOffset, clusterRun, host(entry, guestOffset) + inCluster,
                        null);
            };
        }
        // extended L2: the bitmap decides, subcluster by subcluster
        SubclusterBitmap bitmap = entry.bitmap();
        int sc = (int) (inCluster >>> subclusterBits);
        int scRun = bitmap.runLength(sc);
        long run = Math.min(maxLength, ((long) (sc + scRun) << subclusterBits) - inCluster);
        SubclusterBitmap.State state = bitmap.state(sc);
        if (state == SubclusterBitmap.State.INVALID) {
            throw corrupt(guestOffset, "marks subcluster " + sc + " both allocated and zero");
        }
        if (kind == L2Entry.Kind.UNALLOCATED) {
            if (state == SubclusterBitmap.State.ALLOCATED) {
                throw corrupt(guestOffset, "marks subcluster " + sc + " allocated in an unallocated cluster");
            }
            return new Mapping(state == SubclusterBitmap.State.ZERO ? Mapping.Kind.ZERO : Mapping.Kind.BACKING,
                    guestOffset, run, 0, null);
        }
        return switch (state) {
            case ZERO -> new Mapping(Mapping.Kind.ZERO, guestOffset, run, 0, null);
            case UNALLOCATED -> new Mapping(Mapping.Kind.BACKING, guestOffset, run, 0, null);
            default -> new Mapping(Mapping.Kind.DATA, guestOffset, run, host(entry, guestOffset) + inCluster, null);
        };
    }

    private long host(L2Entry entry, long guestOffset) throws ImageException {
        long host = entry.hostOffset();
        if ((host & ((1L << clusterBits) - 1)) != 0) {
            throw corrupt(guestOffset, "points to unaligned host offset 0x" + Long.toHexString(host));
        }
        if (!externalDataFile && host >= imageFileSize) {
            throw corrupt(guestOffset, "points to host cluster 0x" + Long.toHexString(host)
                    + " beyond the end of the file (" + imageFileSize + " bytes)");
        }
        return host;
    }

    private ImageException corrupt(long guestOffset, String what) {
        return ImageException.corrupt(image, "L2 entry for guest offset 0x" + Long.toHexString(guestOffset) + " "
                + what);
    }

    public Qcow2Header header() {
        return header;
    }

    /** The writer extended the image file. */
    void fileGrew(long newSize) {
        if (newSize > imageFileSize) {
            imageFileSize = newSize;
        }
    }

    /** The live L1 table, which the writer updates (under its metadata lock). */
    long[] l1Table() {
        return l1;
    }

    L2Cache cache() {
        return cache;
    }

    boolean externalDataFile() {
        return externalDataFile;
    }

    /** L1 entries in use (non-zero L2 offsets), for allocation reports. */
    public long[] l1() {
        return l1.clone();
    }
}
