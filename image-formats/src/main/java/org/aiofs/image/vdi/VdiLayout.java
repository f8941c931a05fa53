package org.aiofs.image.vdi;

import org.aiofs.image.blockmap.GuestMap;
import org.aiofs.image.blockmap.GuestRun;

/**
 * Where a VDI keeps each guest byte: the block map gives each 1 MiB block its slot in the
 * data area; a block never written (0xffffffff) or discarded (0xfffffffe) reads as zeroes.
 */
public final class VdiLayout implements GuestMap {
    static final int UNALLOCATED = 0xffffffff;
    static final int DISCARDED = 0xfffffffe;

    private final VdiHeader header;
    private final int[] blockMap;

    VdiLayout(VdiHeader header, int[] blockMap) {
        this.header = header;
        this.blockMap = blockMap;
    }

    static boolean allocated(int entry) {
        return Integer.compareUnsigned(entry, DISCARDED) < 0;
    }

    @Override
    public GuestRun lookup(long offset, long length) {
        long blockSize = header.blockSize();
        long end = offset + length;
        long block = offset / blockSize;
        int entry = blockMap[(int) block];
        if (!allocated(entry)) {
            long pos = (block + 1) * blockSize;
            while (pos < end && !allocated(blockMap[(int) (pos / blockSize)])) {
                pos += blockSize;
            }
            return GuestRun.zero(Math.min(end, pos) - offset);
        }
        long inBlock = offset - block * blockSize;
        long host = header.offsetData() + Integer.toUnsignedLong(entry) * blockSize + inBlock;
        return GuestRun.data(Math.min(length, blockSize - inBlock), host);
    }

    public int blockSize() {
        return header.blockSize();
    }
}
