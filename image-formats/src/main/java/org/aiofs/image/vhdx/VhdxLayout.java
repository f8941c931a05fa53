package org.aiofs.image.vhdx;

import java.io.IOException;

import org.aiofs.image.blockmap.BoundedCache;
import org.aiofs.image.blockmap.GuestMap;
import org.aiofs.image.blockmap.GuestRun;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * Where a VHDX keeps each guest byte, by the state of its payload block in the BAT: fully
 * present blocks are read from the file; zero, unmapped and undefined ones read as zeroes
 * (as in QEMU); a block not present reads as zeroes, or from the parent in a differencing
 * file; a partially present block (differencing files only) takes each sector from the file
 * or the parent as its bit in the chunk's sector bitmap block says (bit 0 of byte 0 = the
 * first sector).
 */
public final class VhdxLayout implements GuestMap {
    static final int NOT_PRESENT = 0;
    static final int UNDEFINED = 1;
    static final int ZERO = 2;
    static final int UNMAPPED = 3;
    static final int UNMAPPED_V095 = 5;
    static final int FULLY_PRESENT = 6;
    static final int PARTIALLY_PRESENT = 7;
    static final long OFFSET_MASK = 0xfffffffffff00000L;
    private static final int BITMAP_CACHE_BYTES = 4 << 20;

    private final VhdxHeader header;
    private final VhdxMetadata metadata;
    private final long[] bat;
    private final String parentName;
    private final BoundedCache<byte[]> bitmaps;

    VhdxLayout(VhdxHeader header, VhdxMetadata metadata, long[] bat, String parentName, MetadataReader meta) {
        this.header = header;
        this.metadata = metadata;
        this.bat = bat;
        this.parentName = parentName;
        int bitmapBytes = bitmapBytesPerBlock();
        this.bitmaps = new BoundedCache<>(Math.max(1, BITMAP_CACHE_BYTES / bitmapBytes), block -> {
            long chunkRatio = metadata.chunkRatio();
            long at = (bat[bitmapIndex(block / chunkRatio)] & OFFSET_MASK) + (block % chunkRatio) * bitmapBytes;
            byte[] bits = new byte[bitmapBytes];
            meta.read(at, bitmapBytes, "sector bitmap of block " + block).get(bits);
            return bits;
        });
    }

    /** The BAT index of payload block {@code block}: the chunk's sector bitmap entry follows its payload entries. */
    int payloadIndex(long block) {
        return (int) (block + block / metadata.chunkRatio());
    }

    int bitmapIndex(long chunk) {
        return (int) (chunk * (metadata.chunkRatio() + 1) + metadata.chunkRatio());
    }

    private int bitmapBytesPerBlock() {
        return metadata.blockSize() / metadata.logicalSectorSize() / 8;
    }

    @Override
    public GuestRun lookup(long offset, long length) throws IOException {
        long blockSize = metadata.blockSize();
        long end = offset + length;
        long block = offset / blockSize;
        long inBlock = offset - block * blockSize;
        long entry = bat[payloadIndex(block)];
        int state = (int) (entry & 7);
        if (state == FULLY_PRESENT) {
            return GuestRun.data(Math.min(length, blockSize - inBlock), (entry & OFFSET_MASK) + inBlock);
        }
        if (state == PARTIALLY_PRESENT) {
            return partial(block, entry & OFFSET_MASK, inBlock, Math.min(length, blockSize - inBlock));
        }
        boolean fromParent = state == NOT_PRESENT && metadata.hasParent();
        long pos = (block + 1) * blockSize;
        while (pos < end && absentAlike(bat[payloadIndex(pos / blockSize)], fromParent)) {
            pos += blockSize;
        }
        long n = Math.min(end, pos) - offset;
        return fromParent ? GuestRun.backing(n) : GuestRun.zero(n);
    }

    /** Whether a block reads as the same kind of nothing: the parent's, or zeroes. */
    private boolean absentAlike(long entry, boolean fromParent) {
        int state = (int) (entry & 7);
        if (state == FULLY_PRESENT || state == PARTIALLY_PRESENT) {
            return false;
        }
        return (state == NOT_PRESENT && metadata.hasParent()) == fromParent;
    }

    private GuestRun partial(long block, long host, long inBlock, long n) throws IOException {
        byte[] bits = bitmaps.get(block);
        int sector = metadata.logicalSectorSize();
        long s = inBlock / sector;
        boolean present = present(bits, s);
        long runEnd = (s + 1) * sector;
        while (runEnd < inBlock + n && present(bits, runEnd / sector) == present) {
            runEnd += sector;
        }
        long run = Math.min(runEnd, inBlock + n) - inBlock;
        return present ? GuestRun.data(run, host + inBlock) : GuestRun.backing(run);
    }

    private static boolean present(byte[] bits, long sector) {
        return (bits[(int) (sector >>> 3)] & (1 << (sector & 7))) != 0;
    }

    public int blockSize() {
        return metadata.blockSize();
    }

    /** The parent's name as found through the locator, or null. */
    public String parentName() {
        return parentName;
    }

    VhdxHeader header() {
        return header;
    }

    VhdxMetadata metadata() {
        return metadata;
    }
}
