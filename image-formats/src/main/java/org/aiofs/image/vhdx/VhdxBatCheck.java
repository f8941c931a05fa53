package org.aiofs.image.vhdx;

import java.util.Arrays;

import org.aiofs.image.ImageException;

/**
 * Every BAT entry checked at open: a known state for its kind (payload or sector bitmap), a
 * block that lies inside the file after the header section, apart from the log, BAT and
 * metadata regions and from every other block; partially present payload blocks only in a
 * differencing file, with their chunk's sector bitmap block present.
 */
final class VhdxBatCheck {
    private static final int SB_NOT_PRESENT = 0;
    private static final int SB_PRESENT = 6;
    private static final long MIB = 1 << 20;

    private final String image;
    private final long fileSize;
    private final VhdxMetadata metadata;
    private final VhdxLayout layout;
    private final long[] bat;
    private final FileRegions regions;

    VhdxBatCheck(String image, long fileSize, VhdxMetadata metadata, VhdxLayout layout, long[] bat,
            FileRegions regions) {
        this.image = image;
        this.fileSize = fileSize;
        this.metadata = metadata;
        this.layout = layout;
        this.bat = bat;
        this.regions = regions;
    }

    void run() throws ImageException {
        long size = metadata.virtualSize();
        long blockSize = metadata.blockSize();
        long blocks = (size + blockSize - 1) / blockSize;
        long[] starts = new long[bat.length];
        long[] ends = new long[bat.length];
        int used = 0;
        for (long block = 0; block < blocks; block++) {
            int index = layout.payloadIndex(block);
            long entry = bat[index];
            int state = (int) (entry & 7);
            switch (state) {
                case VhdxLayout.NOT_PRESENT, VhdxLayout.UNDEFINED, VhdxLayout.ZERO, VhdxLayout.UNMAPPED,
                        VhdxLayout.UNMAPPED_V095 -> {
                    continue;
                }
                case VhdxLayout.FULLY_PRESENT -> {
                }
                case VhdxLayout.PARTIALLY_PRESENT -> {
                    if (!metadata.hasParent()) {
                        throw ImageException.corrupt(image, "VHDX BAT entry " + index + ": block " + block
                                + " is partially present in a file without a parent");
                    }
                    long chunk = block / metadata.chunkRatio();
                    if ((bat[layout.bitmapIndex(chunk)] & 7) != SB_PRESENT) {
                        throw ImageException.corrupt(image, "VHDX BAT entry " + index + ": block " + block
                                + " is partially present but the sector bitmap block of its chunk is not");
                    }
                }
                default -> throw ImageException.corrupt(image, "VHDX BAT entry " + index + ": payload block state "
                        + state + " is reserved");
            }
            long length = Math.min(blockSize, size - block * blockSize);
            long start = place(index, "payload block " + block, entry, length);
            starts[used] = start;
            ends[used++] = start + length;
        }
        long chunks = metadata.hasParent() ? (blocks + metadata.chunkRatio() - 1) / metadata.chunkRatio() : 0;
        for (long chunk = 0; chunk < chunks; chunk++) {
            int index = layout.bitmapIndex(chunk);
            int state = (int) (bat[index] & 7);
            if (state == SB_NOT_PRESENT) {
                continue;
            }
            if (state != SB_PRESENT) {
                throw ImageException.corrupt(image, "VHDX BAT entry " + index + ": sector bitmap block state " + state
                        + " is reserved");
            }
            long start = place(index, "sector bitmap block " + chunk, bat[index], MIB);
            starts[used] = start;
            ends[used++] = start + MIB;
        }
        noOverlap(starts, ends, used);
    }

    /** The block's start, checked against the file and the regions. */
    private long place(int index, String what, long entry, long length) throws ImageException {
        long start = entry & VhdxLayout.OFFSET_MASK;
        if (start > fileSize || length > fileSize - start) {
            throw ImageException.corrupt(image, "VHDX BAT entry " + index + ": " + what + " at 0x"
                    + Long.toHexString(start) + " lies beyond the end of the file (" + fileSize
                    + " bytes; the image is truncated)");
        }
        regions.check("VHDX BAT entry " + index + ": " + what, start, length);
        return start;
    }

    private void noOverlap(long[] starts, long[] ends, int used) throws ImageException {
        Integer[] order = new Integer[used];
        for (int i = 0; i < used; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
        for (int i = 1; i < used; i++) {
            if (starts[order[i]] < ends[order[i - 1]]) {
                throw ImageException.corrupt(image, "VHDX BAT: two blocks share the file range at 0x"
                        + Long.toHexString(starts[order[i]]));
            }
        }
    }
}
