package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.image.ImageException;

/**
 * Guest offset to host location through the L1 table (active or a snapshot's) and the
 * L2 tables behind it. Every pointer taken from the image is checked before it is used.
 * For a writable image, callers hold the writer's metadata lock (shared) while they look up.
 */
public final class ClusterMap {
    private final String image;
    private final Qcow2Header header;
    private final ClusterGeometry geometry;
    private final long[] l1;
    private final L2Tables tables;
    private final boolean externalDataFile;
    /** Grows as the writer allocates clusters at the end of the file. */
    private volatile long imageFileSize;

    ClusterMap(String image, Qcow2Header header, long[] l1, L2Tables tables, boolean externalDataFile,
            long imageFileSize) {
        this.image = image;
        this.header = header;
        this.geometry = ClusterGeometry.of(header);
        this.l1 = l1;
        this.tables = tables;
        this.externalDataFile = externalDataFile;
        this.imageFileSize = imageFileSize;
    }

    /** The run starting at {@code guestOffset}, at most {@code maxLength} bytes long. */
    public Mapping lookup(long guestOffset, long maxLength) throws IOException {
        long l1Index = geometry.l1Index(guestOffset);
        long l2Span = geometry.l2Span();
        long l2Offset = l1Index < l1.length ? l1[(int) l1Index] & L2Entry.OFFSET_MASK : 0;
        if (l2Offset == 0) {
            long run = Math.min(maxLength, l2Span - (guestOffset & (l2Span - 1)));
            return new Mapping(Mapping.Kind.BACKING, guestOffset, run, 0, null);
        }
        L2Entry entry = tables.entry(l2Offset, geometry.l2Index(guestOffset));
        long inCluster = geometry.inCluster(guestOffset);
        long clusterRun = Math.min(maxLength, geometry.clusterSize() - inCluster);
        L2Entry.Kind kind = entry.kind(externalDataFile);
        if (kind == L2Entry.Kind.COMPRESSED) {
            if (externalDataFile) {
                throw corrupt(guestOffset, "is compressed, which an external data file does not allow");
            }
            CompressedCluster c = CompressedCluster.decode(entry.word(), geometry.clusterBits());
            if (c.hostOffset() >= imageFileSize || c.hostOffset() < geometry.clusterSize()) {
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
        int sc = geometry.subcluster(inCluster);
        int scRun = bitmap.runLength(sc);
        long run = Math.min(maxLength, ((long) (sc + scRun) << geometry.subclusterBits()) - inCluster);
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
        if ((host & (geometry.clusterSize() - 1)) != 0) {
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

    ClusterGeometry geometry() {
        return geometry;
    }

    /** The writer extended the image file up to {@code end} (its data reached the disk). */
    void fileGrew(long end) {
        if (end > imageFileSize) {
            imageFileSize = end;
        }
    }

    /** The live L1 table, which the writer updates (under its metadata lock). */
    long[] l1Table() {
        return l1;
    }

    L2Tables tables() {
        return tables;
    }

    boolean externalDataFile() {
        return externalDataFile;
    }

    /** L1 entries in use (non-zero L2 offsets), for allocation reports. */
    public long[] l1() {
        return l1.clone();
    }
}
