package org.aiofs.image.vpc;

import java.io.IOException;

import org.aiofs.image.blockmap.BoundedCache;
import org.aiofs.image.blockmap.GuestMap;
import org.aiofs.image.blockmap.GuestRun;
import org.aiofs.image.qcow2.MetadataReader;

/**
 * Where a VHD keeps each guest byte. Fixed: at the same offset in the file. Dynamic: in
 * blocks the block allocation table (BAT) places, each a sector bitmap followed by the data;
 * an unallocated block reads as zeroes. As in QEMU, the bitmap of a dynamic disk is not
 * consulted: an allocated block is read whole. Differencing: an unallocated block, and each
 * sector whose bitmap bit is clear, comes from the parent.
 */
public final class VhdLayout implements GuestMap {
    static final int UNALLOCATED = 0xffffffff;
    /** Memory for cached sector bitmaps of a differencing disk. */
    private static final int BITMAP_CACHE_BYTES = 4 << 20;

    private final VhdFooter footer;
    private final VhdDynamicHeader header;
    private final int[] bat;
    private final int bitmapSize;
    private final String parentName;
    private final BoundedCache<byte[]> bitmaps;

    private VhdLayout(VhdFooter footer, VhdDynamicHeader header, int[] bat, String parentName,
            MetadataReader meta) {
        this.footer = footer;
        this.header = header;
        this.bat = bat;
        this.bitmapSize = header == null ? 0 : bitmapSize(header.blockSize());
        this.parentName = parentName;
        if (footer.diskType() == VhdFooter.TYPE_DIFFERENCING) {
            int entries = Math.max(1, BITMAP_CACHE_BYTES / bitmapSize);
            this.bitmaps = new BoundedCache<>(entries, block -> {
                long at = 512L * Integer.toUnsignedLong(bat[(int) block]);
                byte[] bits = new byte[bitmapSize];
                meta.read(at, bitmapSize, "sector bitmap of block " + block).get(bits);
                return bits;
            });
        } else {
            this.bitmaps = null;
        }
    }

    static VhdLayout fixed(VhdFooter footer) {
        return new VhdLayout(footer, null, null, null, null);
    }

    static VhdLayout dynamic(VhdFooter footer, VhdDynamicHeader header, int[] bat, String parentName,
            MetadataReader meta) {
        return new VhdLayout(footer, header, bat, parentName, meta);
    }

    /** Bytes of the sector bitmap before each block's data: one bit a sector, padded to a sector. */
    static int bitmapSize(int blockSize) {
        int bytes = (blockSize / 512 + 7) / 8;
        return (bytes + 511) & ~511;
    }

    @Override
    public GuestRun lookup(long offset, long length) throws IOException {
        if (header == null) {
            return GuestRun.data(length, offset);
        }
        long blockSize = header.blockSize();
        long end = offset + length;
        long block = offset / blockSize;
        long inBlock = offset - block * blockSize;
        int entry = entry(block);
        if (entry == UNALLOCATED) {
            // a run of unallocated blocks is one answer
            long pos = (block + 1) * blockSize;
            while (pos < end && entry(pos / blockSize) == UNALLOCATED) {
                pos += blockSize;
            }
            long n = Math.min(end, pos) - offset;
            return differencing() ? GuestRun.backing(n) : GuestRun.zero(n);
        }
        long n = Math.min(length, blockSize - inBlock);
        long host = 512L * Integer.toUnsignedLong(entry) + bitmapSize + inBlock;
        if (!differencing()) {
            return GuestRun.data(n, host);
        }
        byte[] bits = bitmaps.get(block);
        long sector = inBlock / 512;
        boolean present = present(bits, sector);
        long runEnd = (sector + 1) * 512;
        while (runEnd < inBlock + n && present(bits, runEnd / 512) == present) {
            runEnd += 512;
        }
        long run = Math.min(runEnd, inBlock + n) - inBlock;
        return present ? GuestRun.data(run, host) : GuestRun.backing(run);
    }

    private int entry(long block) {
        return block < bat.length ? bat[(int) block] : UNALLOCATED;
    }

    /** Bit 7 of byte 0 is the block's first sector (the bitmap is big-endian, as everything in a VHD). */
    private static boolean present(byte[] bits, long sector) {
        return (bits[(int) (sector >>> 3)] & (0x80 >>> (sector & 7))) != 0;
    }

    boolean differencing() {
        return footer.diskType() == VhdFooter.TYPE_DIFFERENCING;
    }

    VhdFooter footer() {
        return footer;
    }

    /** Block size for dynamic and differencing disks, null for fixed ones (qemu-img's cluster_size). */
    public Integer blockSize() {
        return header == null ? null : header.blockSize();
    }

    /** The parent's name as found through the locators, or null. */
    public String parentName() {
        return parentName;
    }

    public byte[] uniqueId() {
        return footer.uniqueId().clone();
    }
}
