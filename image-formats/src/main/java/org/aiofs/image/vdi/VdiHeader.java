package org.aiofs.image.vdi;

import org.aiofs.aio.nativeio.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.aiofs.image.ImageException;

/**
 * The 512-byte VDI header (VirtualBox, version 1.1, little-endian), checked as QEMU checks it
 * (block/vdi.c) and against the file. The geometry fields (cylinders, heads, sectors) are
 * legacy BIOS hints: read and ignored, as in QEMU; the disk is disk_size bytes.
 */
record VdiHeader(int imageType, long offsetBlockMap, long offsetData, int cylinders, int heads, int sectors,
        long diskSize, int blockSize, long blocksInImage, long blocksAllocated) {

    static final int SIZE = 512;
    static final int SIGNATURE_OFFSET = 0x40;
    static final int SIGNATURE = 0xbeda107f;
    static final int VERSION_1_1 = 0x00010001;
    static final int TYPE_DYNAMIC = 1;
    static final int TYPE_STATIC = 2;
    static final int BLOCK_SIZE = 1 << 20;
    /** The block map is read whole: at most 32 MiB of it (8 Mi blocks, 8 TiB of disk). */
    static final long MAX_BLOCKS = 8L << 20;

    static VdiHeader parse(String image, ByteBuffer raw, long fileSize) throws ImageException {
        ByteBuffer b = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(SIGNATURE_OFFSET) != SIGNATURE) {
            throw ImageException.corrupt(image, "no VDI signature at 0x40");
        }
        int version = b.getInt(0x44);
        if (version != VERSION_1_1) {
            throw new ImageException(image + ": VDI version " + (version >>> 16) + "." + (version & 0xffff)
                    + " is not supported (only 1.1)", Errno.ENOTSUP);
        }
        for (int uuid : new int[] {0x1a8, 0x1b8}) {
            if (b.getLong(uuid) != 0 || b.getLong(uuid + 8) != 0) {
                throw new ImageException(image + ": VDI " + (uuid == 0x1a8 ? "uuid_link" : "uuid_parent")
                        + " is set: differencing VDI images (snapshots) are not supported", Errno.ENOTSUP);
            }
        }
        VdiHeader h = new VdiHeader(b.getInt(0x4c), Integer.toUnsignedLong(b.getInt(0x154)),
                Integer.toUnsignedLong(b.getInt(0x158)), b.getInt(0x15c), b.getInt(0x160), b.getInt(0x164),
                b.getLong(0x170), b.getInt(0x178), Integer.toUnsignedLong(b.getInt(0x180)),
                Integer.toUnsignedLong(b.getInt(0x184)));
        h.check(image, b, fileSize);
        return h;
    }

    private void check(String image, ByteBuffer b, long fileSize) throws ImageException {
        if (imageType != TYPE_DYNAMIC && imageType != TYPE_STATIC) {
            throw new ImageException(image + ": VDI image_type " + Integer.toUnsignedString(imageType)
                    + " is not supported (1 dynamic, 2 static)", Errno.ENOTSUP);
        }
        int sectorSize = b.getInt(0x168);
        if (sectorSize != 512) {
            throw new ImageException(image + ": VDI sector_size " + Integer.toUnsignedString(sectorSize)
                    + " is not supported (only 512)", Errno.ENOTSUP);
        }
        if (blockSize != BLOCK_SIZE) {
            throw new ImageException(image + ": VDI block_size " + Integer.toUnsignedString(blockSize)
                    + " is not supported (only 1 MiB, as QEMU)", Errno.ENOTSUP);
        }
        int blockExtra = b.getInt(0x17c);
        if (blockExtra != 0) {
            throw new ImageException(image + ": VDI block_extra " + Integer.toUnsignedString(blockExtra)
                    + " is not supported (only 0)", Errno.ENOTSUP);
        }
        if (blocksInImage > MAX_BLOCKS) {
            throw ImageException.corrupt(image, "VDI blocks_in_image " + blocksInImage + " exceeds the limit of "
                    + MAX_BLOCKS);
        }
        if (diskSize < 0 || roundedDiskSize() > blocksInImage * blockSize) {
            throw ImageException.corrupt(image, "VDI disk_size " + Long.toUnsignedString(diskSize) + " is more than the "
                    + blocksInImage + " blocks of the block map hold");
        }
        if (offsetBlockMap % 512 != 0 || offsetBlockMap < SIZE || offsetBlockMap > fileSize
                || blockMapBytes() > fileSize - offsetBlockMap) {
            throw ImageException.corrupt(image, "VDI offset_bmap 0x" + Long.toHexString(offsetBlockMap) + " (the "
                    + blockMapBytes() + "-byte block map) is unaligned or lies outside the file (" + fileSize
                    + " bytes)");
        }
        if (offsetData % 512 != 0 || offsetData < offsetBlockMap + blockMapBytes()) {
            throw ImageException.corrupt(image, "VDI offset_data 0x" + Long.toHexString(offsetData)
                    + " is unaligned or overlaps the header or the block map");
        }
    }

    /** A disk size that is not a whole number of sectors is rounded up, as QEMU does. */
    long roundedDiskSize() {
        return (diskSize + 511) & ~511L;
    }

    /** The block map as stored: 4 bytes a block, padded to a sector. */
    long blockMapBytes() {
        return (blocksInImage * 4 + 511) & ~511L;
    }
}
