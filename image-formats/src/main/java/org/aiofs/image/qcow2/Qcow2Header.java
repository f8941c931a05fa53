package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/**
 * The fixed part of a qcow2 header (QEMU docs/interop/qcow2.txt), parsed and checked
 * against the spec's limits and the file's size. Nothing here is trusted before it is checked.
 */
public record Qcow2Header(
        int version,
        long backingFileOffset,
        int backingFileSize,
        int clusterBits,
        long virtualSize,
        int cryptMethod,
        int l1Size,
        long l1TableOffset,
        long refcountTableOffset,
        int refcountTableClusters,
        int snapshotCount,
        long snapshotsOffset,
        long incompatibleFeatures,
        long compatibleFeatures,
        long autoclearFeatures,
        int refcountOrder,
        int headerLength,
        int compressionType) {

    public static final int MAGIC = 0x514649fb;
    public static final int V2_HEADER_LENGTH = 72;
    public static final int V3_MIN_HEADER_LENGTH = 104;
    public static final int MIN_CLUSTER_BITS = 9;
    public static final int MAX_CLUSTER_BITS = 21;
    /** QEMU's caps (block/qcow2.h): L1 table 32 MiB, refcount table 8 MiB, 65536 snapshots. */
    public static final long MAX_L1_BYTES = 32L << 20;
    public static final long MAX_REFTABLE_BYTES = 8L << 20;
    public static final int MAX_SNAPSHOTS = 65536;
    public static final int MAX_BACKING_NAME = 1023;
    /** Where refcount_table_offset (8 bytes) and refcount_table_clusters (4 bytes) sit in the header. */
    public static final long REFCOUNT_TABLE_FIELDS_AT = 48;

    public static final long INCOMPAT_DIRTY = 1L;
    public static final long INCOMPAT_CORRUPT = 1L << 1;
    public static final long INCOMPAT_DATA_FILE = 1L << 2;
    public static final long INCOMPAT_COMPRESSION = 1L << 3;
    public static final long INCOMPAT_EXTENDED_L2 = 1L << 4;
    public static final long INCOMPAT_KNOWN = 0x1fL;
    public static final long COMPAT_LAZY_REFCOUNTS = 1L;
    public static final long AUTOCLEAR_BITMAPS = 1L;
    public static final long AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    public static final int COMPRESSION_ZLIB = 0;
    public static final int COMPRESSION_ZSTD = 1;

    /** Parses the header at the start of {@code head} (big-endian, at least 104 bytes or the file). */
    public static Qcow2Header parse(String image, ByteBuffer head, long fileSize) throws ImageException {
        if (head.limit() < V2_HEADER_LENGTH) {
            throw ImageException.corrupt(image, "file too short for a qcow2 header (" + fileSize + " bytes)");
        }
        if (head.getInt(0) != MAGIC) {
            throw ImageException.corrupt(image, "no qcow2 magic");
        }
        int version = head.getInt(4);
        if (version != 2 && version != 3) {
            throw new ImageException(image + ": qcow2 version " + Integer.toUnsignedString(version)
                    + " is not supported (only 2 and 3)", Errno.ENOTSUP);
        }
        long incompatible = 0;
        long compatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        int headerLength = V2_HEADER_LENGTH;
        int compressionType = COMPRESSION_ZLIB;
        if (version == 3) {
            if (head.limit() < V3_MIN_HEADER_LENGTH) {
                throw ImageException.corrupt(image, "file too short for a qcow2 v3 header (" + fileSize + " bytes)");
            }
            incompatible = head.getLong(72);
            compatible = head.getLong(80);
            autoclear = head.getLong(88);
            refcountOrder = head.getInt(96);
            headerLength = head.getInt(100);
            if (headerLength < V3_MIN_HEADER_LENGTH || headerLength % 8 != 0 || headerLength > head.limit()) {
                throw ImageException.corrupt(image, "header_length " + Integer.toUnsignedString(headerLength)
                        + " is invalid (must be a multiple of 8, at least 104, inside the first cluster)");
            }
            if (headerLength > 104) {
                compressionType = head.get(104) & 0xff;
            }
        }
        Qcow2Header h = new Qcow2Header(version, head.getLong(8), head.getInt(16), head.getInt(20), head.getLong(24),
                head.getInt(32), head.getInt(36), head.getLong(40), head.getLong(48), head.getInt(56),
                head.getInt(60), head.getLong(64), incompatible, compatible, autoclear, refcountOrder, headerLength,
                compressionType);
        h.check(image, fileSize);
        return h;
    }

    private void check(String image, long fileSize) throws ImageException {
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw ImageException.corrupt(image, "cluster_bits " + Integer.toUnsignedString(clusterBits)
                    + " is outside 9..21");
        }
        long unknown = incompatibleFeatures & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw new ImageException(image + ": unknown incompatible feature bits 0x" + Long.toHexString(unknown)
                    + " in incompatible_features", Errno.ENOTSUP);
        }
        if (cryptMethod != 0) {
            throw new ImageException(image + ": encrypted images are not supported (crypt_method "
                    + Integer.toUnsignedString(cryptMethod) + ")", Errno.ENOTSUP);
        }
        if (refcountOrder < 0 || refcountOrder > 6) {
            throw ImageException.corrupt(image, "refcount_order " + Integer.toUnsignedString(refcountOrder)
                    + " is outside 0..6");
        }
        if (version == 2 && refcountOrder != 4) {
            throw ImageException.corrupt(image, "refcount_order must be 4 in a version 2 image");
        }
        if ((incompatibleFeatures & INCOMPAT_COMPRESSION) != 0 && compressionType == COMPRESSION_ZLIB
                || (incompatibleFeatures & INCOMPAT_COMPRESSION) == 0 && compressionType != COMPRESSION_ZLIB) {
            throw ImageException.corrupt(image, "compression_type " + compressionType
                    + " does not match the compression type incompatible bit");
        }
        if (compressionType != COMPRESSION_ZLIB && compressionType != COMPRESSION_ZSTD) {
            throw new ImageException(image + ": unknown compression_type " + compressionType, Errno.ENOTSUP);
        }
        if (extendedL2() && clusterBits < 14) {
            throw ImageException.corrupt(image, "extended_l2 needs clusters of at least 16 KiB (cluster_bits "
                    + clusterBits + ")");
        }
        if (virtualSize < 0) {
            throw ImageException.corrupt(image, "size 0x" + Long.toHexString(virtualSize) + " is negative");
        }
        // L1 must cover the virtual size, within QEMU's L1 cap
        long needed = l1EntriesFor(virtualSize);
        if (l1Size < 0 || (long) l1Size * 8 > MAX_L1_BYTES) {
            throw ImageException.corrupt(image, "l1_size " + Integer.toUnsignedString(l1Size)
                    + " exceeds the 32 MiB L1 table limit");
        }
        if (l1Size < needed) {
            throw ImageException.corrupt(image, "l1_size " + l1Size + " is too small for the virtual size "
                    + virtualSize + " (needs " + needed + ")");
        }
        checkTable(image, "L1 table", "l1_table_offset", l1TableOffset, (long) l1Size * 8, fileSize);
        if (refcountTableClusters < 0 || ((long) refcountTableClusters << clusterBits) > MAX_REFTABLE_BYTES) {
            throw ImageException.corrupt(image, "refcount_table_clusters "
                    + Integer.toUnsignedString(refcountTableClusters) + " exceeds the 8 MiB refcount table limit");
        }
        checkTable(image, "refcount table", "refcount_table_offset", refcountTableOffset,
                (long) refcountTableClusters << clusterBits, fileSize);
        if (snapshotCount < 0 || snapshotCount > MAX_SNAPSHOTS) {
            throw ImageException.corrupt(image, "nb_snapshots " + Integer.toUnsignedString(snapshotCount)
                    + " exceeds the limit of " + MAX_SNAPSHOTS);
        }
        if (snapshotCount > 0) {
            checkTable(image, "snapshot table", "snapshots_offset", snapshotsOffset, 40, fileSize);
        }
        if (backingFileOffset != 0) {
            if (backingFileSize < 0 || backingFileSize > MAX_BACKING_NAME) {
                throw ImageException.corrupt(image, "backing_file_size " + Integer.toUnsignedString(backingFileSize)
                        + " exceeds " + MAX_BACKING_NAME);
            }
            if (backingFileOffset < 0 || backingFileOffset + backingFileSize > clusterSize()
                    || backingFileOffset + backingFileSize > fileSize) {
                throw ImageException.corrupt(image, "backing file name at 0x" + Long.toHexString(backingFileOffset)
                        + " (" + backingFileSize + " bytes) lies outside the first cluster or the file");
            }
        }
    }

    /** A table must be cluster-aligned and lie wholly inside the file. */
    private void checkTable(String image, String what, String field, long offset, long length, long fileSize)
            throws ImageException {
        if (length == 0) {
            return;
        }
        if (offset <= 0 || (offset & (clusterSize() - 1)) != 0) {
            throw ImageException.corrupt(image, what + " offset 0x" + Long.toHexString(offset) + " (" + field
                    + ") is not a cluster-aligned position");
        }
        if (offset > fileSize || length > fileSize - offset) {
            throw ImageException.corrupt(image, what + " at 0x" + Long.toHexString(offset)
                    + " lies beyond the end of the file (" + fileSize + " bytes)");
        }
    }

    public long l1EntriesFor(long size) {
        int shift = clusterBits + l2Bits();
        return (size + (1L << shift) - 1) >>> shift;
    }

    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** log2 of the number of entries in one L2 table. */
    public int l2Bits() {
        return clusterBits - (extendedL2() ? 4 : 3);
    }

    public boolean extendedL2() {
        return (incompatibleFeatures & INCOMPAT_EXTENDED_L2) != 0;
    }

    public boolean dirty() {
        return (incompatibleFeatures & INCOMPAT_DIRTY) != 0;
    }

    public boolean corrupt() {
        return (incompatibleFeatures & INCOMPAT_CORRUPT) != 0;
    }

    public boolean externalDataFile() {
        return (incompatibleFeatures & INCOMPAT_DATA_FILE) != 0;
    }

    public boolean dataFileRaw() {
        return (autoclearFeatures & AUTOCLEAR_DATA_FILE_RAW) != 0;
    }

    public boolean lazyRefcounts() {
        return (compatibleFeatures & COMPAT_LAZY_REFCOUNTS) != 0;
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Where header extensions start: after the header (v3) or after the 72 v2 bytes. */
    public int extensionsOffset() {
        return version == 2 ? V2_HEADER_LENGTH : headerLength;
    }

    public String compressionName() {
        return compressionType == COMPRESSION_ZSTD ? "zstd" : "zlib";
    }
}
