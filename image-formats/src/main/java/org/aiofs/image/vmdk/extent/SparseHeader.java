package org.aiofs.image.vmdk.extent;

import org.aiofs.aio.nativeio.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.image.ImageException;

/**
 * The header of a VMDK4 sparse extent ("KDMV", little-endian; VMware's Virtual Disk Format
 * 5.0 and QEMU's block/vmdk.c), parsed as stored; {@link #layout} checks every field against
 * QEMU's limits and the file before anything is read through it.
 */
public record SparseHeader(int version, int flags, long capacity, long grainSize, long descriptorOffset,
        long descriptorSize, int gtEntries, long rgdOffset, long gdOffset, long overHead, boolean newlinesIntact,
        int compressAlgorithm) {
    /** "KDMV" read as a big-endian int. */
    public static final int MAGIC = 0x4b444d56;
    /** Magic and header fields: what must be in the file. */
    public static final int LENGTH = 79;
    public static final int FLAG_NEWLINE_DETECT = 1;
    public static final int FLAG_REDUNDANT_GD = 1 << 1;
    public static final int FLAG_ZERO_GRAIN = 1 << 2;
    public static final int FLAG_COMPRESSED = 1 << 16;
    public static final int FLAG_MARKERS = 1 << 17;
    public static final int COMPRESSION_NONE = 0;
    public static final int COMPRESSION_DEFLATE = 1;
    /** gdOffset of a stream-optimized file written front to back: the real header is in the footer. */
    public static final long GD_AT_END = -1L;
    /** QEMU's limit on numGTEsPerGT. */
    public static final int MAX_GT_ENTRIES = 512;
    private static final byte[] NEWLINE_CHECK = {'\n', ' ', '\r', '\n'};

    /** The header at the start of {@code bytes} (at least {@link #LENGTH} bytes, magic included). */
    public static SparseHeader parse(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        boolean newlines = true;
        for (int i = 0; i < NEWLINE_CHECK.length; i++) {
            newlines &= b.get(base + 73 + i) == NEWLINE_CHECK[i];
        }
        return new SparseHeader(b.getInt(base + 4), b.getInt(base + 8), b.getLong(base + 12), b.getLong(base + 20),
                b.getLong(base + 28), b.getLong(base + 36), b.getInt(base + 44), b.getLong(base + 48),
                b.getLong(base + 56), b.getLong(base + 64), newlines, b.getShort(base + 77) & 0xffff);
    }

    /** A header with no capacity that points at a descriptor: the descriptor names the extents. */
    public boolean onlyDescribes() {
        return capacity == 0 && descriptorOffset != 0;
    }

    public boolean gdAtEnd() {
        return gdOffset == GD_AT_END;
    }

    public boolean compressed() {
        return compressAlgorithm == COMPRESSION_DEFLATE;
    }

    /** The extent's geometry, once every field is checked against QEMU's limits and the file's size. */
    public GrainLayout layout(String image, long fileSize) throws ImageException {
        if (compressAlgorithm != COMPRESSION_NONE && compressAlgorithm != COMPRESSION_DEFLATE) {
            throw new ImageException(image + ": compressAlgorithm " + compressAlgorithm + " is not supported (0 none,"
                    + " 1 deflate)", Errno.ENOTSUP);
        }
        if (Integer.compareUnsigned(version, 3) > 0) {
            throw new ImageException(image + ": VMDK version " + Integer.toUnsignedString(version)
                    + " is not supported (1 to 3)", Errno.ENOTSUP);
        }
        if ((flags & FLAG_NEWLINE_DETECT) != 0 && !newlinesIntact) {
            throw ImageException.corrupt(image, "the header's newline check bytes are damaged (the file went"
                    + " through a text-mode transfer)");
        }
        if (gtEntries == 0 || Integer.compareUnsigned(gtEntries, MAX_GT_ENTRIES) > 0) {
            throw ImageException.corrupt(image, "numGTEsPerGT " + Integer.toUnsignedString(gtEntries)
                    + " is outside 1.." + MAX_GT_ENTRIES);
        }
        if (grainSize <= 0 || grainSize > GrainLayout.MAX_GRAIN_SECTORS) {
            throw ImageException.corrupt(image, "grainSize " + Long.toUnsignedString(grainSize)
                    + " sectors is outside 1.." + GrainLayout.MAX_GRAIN_SECTORS);
        }
        if (compressed() && grainSize > GrainLayout.MAX_COMPRESSED_GRAIN_SECTORS) {
            throw new ImageException(image + ": compressed grains of " + grainSize + " sectors are not supported"
                    + " (at most " + GrainLayout.MAX_COMPRESSED_GRAIN_SECTORS + ")", Errno.ENOTSUP);
        }
        if (capacity < 0 || capacity > Long.MAX_VALUE >> 9) {
            throw ImageException.corrupt(image, "capacity " + Long.toUnsignedString(capacity)
                    + " sectors is too large");
        }
        if (gdAtEnd()) {
            throw ImageException.corrupt(image, "gdOffset says the grain directory is at the end of the stream,"
                    + " but the footer says so too");
        }
        long gdEntries = GrainLayout.gdEntriesFor(capacity, grainSize, gtEntries);
        if (gdEntries > GrainLayout.MAX_GD_ENTRIES) {
            throw ImageException.corrupt(image, "capacity " + capacity + " sectors needs a grain directory of "
                    + gdEntries + " entries, more than the limit of " + GrainLayout.MAX_GD_ENTRIES);
        }
        long fileSectors = (fileSize + 511) >> 9;
        if (Long.compareUnsigned(fileSectors, overHead) < 0) {
            throw ImageException.corrupt(image, "file truncated: overHead says grains start at sector "
                    + Long.toUnsignedString(overHead) + ", but the file has " + fileSize + " bytes");
        }
        if (gdEntries == 0) { // no sectors: no tables to read (QEMU reads none either)
            return new GrainLayout(0, grainSize, gtEntries, 0, 0, 0, false, compressed(), false, overHead << 9,
                    writeRefusal());
        }
        long gd = sectorsToBytes(image, "gdOffset", gdOffset);
        GrainLayout.checkInside(image, "grain directory (gdOffset)", gd, gdEntries * 4, fileSize);
        long rgd = 0;
        if ((flags & FLAG_REDUNDANT_GD) != 0) {
            rgd = sectorsToBytes(image, "rgdOffset", rgdOffset);
            GrainLayout.checkInside(image, "redundant grain directory (rgdOffset)", rgd, gdEntries * 4, fileSize);
        }
        return new GrainLayout(capacity, grainSize, gtEntries, gd, (int) gdEntries, rgd,
                (flags & FLAG_ZERO_GRAIN) != 0, compressed(), (flags & FLAG_MARKERS) != 0, overHead << 9,
                writeRefusal());
    }

    /** Why aiofs does not write an extent with this header, or null. */
    private String writeRefusal() {
        if (compressed()) {
            return "stream-optimized (compressed) extents are not written";
        }
        if (version == 3) {
            // VMware KB 2064959: version 3 adds changed block tracking, which a writer would have to keep
            return "VMDK version 3 extents must stay read-only (QEMU refuses to write them too)";
        }
        return null;
    }

    private static long sectorsToBytes(String image, String field, long sectors) throws ImageException {
        if (sectors < 0 || sectors > Long.MAX_VALUE >> 9) {
            throw ImageException.corrupt(image, field + " 0x" + Long.toHexString(sectors) + " is beyond any file");
        }
        return sectors << 9;
    }
}
