package org.aiofs.image.qcow2.check;

import java.nio.ByteBuffer;

import org.aiofs.aio.HostIoException;
import org.aiofs.image.ImageException;
import org.aiofs.image.qcow2.HeaderExtensions;
import org.aiofs.image.qcow2.Qcow2Header;

/**
 * The clusters persistent dirty bitmaps hold (docs/interop/qcow2.txt, "Bitmaps"): the bitmap
 * directory, each bitmap table and each cluster a table entry points to. Counted only when
 * the autoclear bitmaps bit says the extension is valid, as QEMU does.
 */
final class BitmapReferences {
    private static final long ENTRY_OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    private static final long ENTRY_RESERVED = 0xff00_0000_0000_01feL;
    private static final long ENTRY_ALL_ONES = 1L;
    /** QEMU's limits: 65535 bitmaps, directory of at most 64 MiB, tables of at most 2^27 entries. */
    private static final long MAX_DIRECTORY = 64L << 20;
    private static final long MAX_TABLE_ENTRIES = 1L << 27;
    private static final int MAX_BITMAPS = 65535;

    private final int count;
    private final long directorySize;
    private final long directoryOffset;

    private BitmapReferences(int count, long directorySize, long directoryOffset) {
        this.count = count;
        this.directorySize = directorySize;
        this.directoryOffset = directoryOffset;
    }

    /** What the bitmaps extension refers to, or null when there is none or the bitmaps are not in use. */
    static BitmapReferences of(String image, Qcow2Header header, HeaderExtensions.BitmapsExtension extension)
            throws ImageException {
        if (extension == null || (header.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) == 0) {
            return null;
        }
        if (extension.length() < 24) {
            throw ImageException.corrupt(image, "bitmaps extension is " + extension.length() + " bytes (needs 24)");
        }
        int n = extension.count();
        long size = extension.directorySize();
        if (n < 0 || n > MAX_BITMAPS || size < 0 || size > MAX_DIRECTORY) {
            throw ImageException.corrupt(image, "bitmaps extension: " + Integer.toUnsignedString(n)
                    + " bitmaps, directory of " + size + " bytes exceed QEMU's limits");
        }
        return new BitmapReferences(n, size, extension.directoryOffset());
    }

    void count(ReferenceWalk walk) throws HostIoException {
        CheckTally tally = walk.tally();
        int clusterSize = walk.clusterSize();
        walk.count(directoryOffset, directorySize);
        ByteBuffer dir = walk.file().read(directoryOffset, (int) directorySize);
        int pos = 0;
        for (int b = 0; b < count; b++) {
            if (pos + 24 > directorySize) {
                tally.corruption("ERROR bitmap directory entry " + b + " lies outside the bitmap directory");
                return;
            }
            long tableOffset = dir.getLong(pos);
            long tableSize = Integer.toUnsignedLong(dir.getInt(pos + 8));
            int nameSize = dir.getShort(pos + 18) & 0xffff;
            long extra = Integer.toUnsignedLong(dir.getInt(pos + 20));
            pos += (int) ((24 + extra + nameSize + 7) & ~7L);
            if (tableSize > MAX_TABLE_ENTRIES || (tableOffset & (clusterSize - 1)) != 0) {
                tally.corruption("ERROR bitmap " + b + ": table at 0x" + Long.toHexString(tableOffset) + " of "
                        + tableSize + " entries is invalid");
                continue;
            }
            walk.count(tableOffset, tableSize * 8);
            int bitmap = b;
            walk.file().<RuntimeException>forEachLong(tableOffset, (int) tableSize, (i, entry) -> {
                long offset = entry & ENTRY_OFFSET_MASK;
                if ((entry & ENTRY_RESERVED) != 0 || offset != 0
                        && ((entry & ENTRY_ALL_ONES) != 0 || (offset & (clusterSize - 1)) != 0)) {
                    tally.corruption("ERROR bitmap " + bitmap + " table entry 0x" + Long.toHexString(entry)
                            + " is invalid");
                } else if (offset != 0) {
                    walk.count(offset, clusterSize);
                }
            });
        }
    }
}
