package org.aiofs.image.vpc;

import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/**
 * The virtual size of a VHD, by QEMU's rules (block/vpc.c). Virtual PC sizes a disk by its
 * CHS geometry (cylinders x heads x sectors, which rounds the size down), everyone else
 * (Hyper-V, disk2vhd, XenServer, VirtualBox, Azure, qemu-img with force_size=on, which writes
 * creator "qem2") by the footer's current_size. So: the geometry when the creator is Virtual PC
 * ("vpc ") or an old qemu-img ("qemu") -- unless the geometry is the maximum 65535x16x255, which
 * means the size did not fit it -- else current_size. This is QEMU's rule since 10.0; QEMU 7.2
 * took current_size only for the creators it knew ("win ", "qem2", "d2v ", "CTXS", "tap\0"),
 * which differs only for other creators. At most 2040 GiB, as in QEMU.
 */
final class VhdSize {
    static final long MAX_GEOMETRY_SECTORS = 65535L * 16 * 255;
    static final long MAX_SECTORS = 0xff000000L;

    private VhdSize() {
    }

    static boolean usesGeometry(VhdFooter footer) {
        boolean chsCreator = footer.creatorApp().equals("vpc ") || footer.creatorApp().equals("qemu");
        return chsCreator && footer.chsSectors() != MAX_GEOMETRY_SECTORS;
    }

    static long virtualSize(String image, VhdFooter footer) throws ImageException {
        long sectors = usesGeometry(footer) ? footer.chsSectors() : Long.divideUnsigned(footer.currentSize(), 512);
        if (Long.compareUnsigned(sectors, MAX_SECTORS) > 0) {
            throw new ImageException(image + ": VHD footer: disk size " + Long.toUnsignedString(sectors) + " sectors"
                    + (usesGeometry(footer) ? " (geometry)" : " (current_size)") + " exceeds the 2040 GiB limit",
                    Errno.EINVAL);
        }
        return sectors * 512;
    }
}
