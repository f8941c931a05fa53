package org.aiofs.image.vmdk.extent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.image.ImageException;

/**
 * The header of a VMDK3 sparse extent ("COWD", ESX's vmfsSparse redo logs; little-endian):
 * grain tables of 4096 entries, a grain directory of {@code l1dirSize} entries, no redundant
 * directory, no zeroed grains, no compression.
 */
public record CowdHeader(int version, int flags, long diskSectors, long granularity, long l1dirOffset,
        long l1dirSize) {
    /** "COWD" read as a big-endian int. */
    public static final int MAGIC = 0x434f5744;
    public static final int LENGTH = 32;
    public static final int GT_ENTRIES = 4096;

    public static CowdHeader parse(ByteBuffer bytes) {
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        return new CowdHeader(b.getInt(base + 4), b.getInt(base + 8), b.getInt(base + 12) & 0xffffffffL,
                b.getInt(base + 16) & 0xffffffffL, b.getInt(base + 20) & 0xffffffffL,
                b.getInt(base + 24) & 0xffffffffL);
    }

    public GrainLayout layout(String image, long fileSize) throws ImageException {
        if (granularity == 0 || granularity > GrainLayout.MAX_GRAIN_SECTORS) {
            throw ImageException.corrupt(image, "granularity " + granularity + " sectors is outside 1.."
                    + GrainLayout.MAX_GRAIN_SECTORS);
        }
        long needed = GrainLayout.gdEntriesFor(diskSectors, granularity, GT_ENTRIES);
        if (l1dirSize > GrainLayout.MAX_GD_ENTRIES) {
            throw ImageException.corrupt(image, "l1dir_size " + l1dirSize + " exceeds the limit of "
                    + GrainLayout.MAX_GD_ENTRIES);
        }
        if (l1dirSize < needed) {
            throw ImageException.corrupt(image, "l1dir_size " + l1dirSize + " is too small for " + diskSectors
                    + " sectors (needs " + needed + ")");
        }
        if (l1dirSize > 0) {
            GrainLayout.checkInside(image, "grain directory (l1dir_offset)", l1dirOffset << 9, l1dirSize * 4,
                    fileSize);
        }
        return new GrainLayout(diskSectors, granularity, GT_ENTRIES, l1dirOffset << 9, (int) l1dirSize, 0, false,
                false, false, 0, "VMDK3 (COWD) extents are not written");
    }
}
