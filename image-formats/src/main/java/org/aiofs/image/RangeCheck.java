package org.aiofs.image;

import org.aiofs.aio.nativeio.Errno;

/** The bounds check every driver makes before touching a guest range. */
public final class RangeCheck {
    private RangeCheck() {
    }

    public static void inside(BlockImage image, long offset, long length) throws ImageException {
        if (offset < 0 || length < 0 || offset > image.size() || length > image.size() - offset) {
            throw new ImageException(image.name() + ": request at offset " + offset + " for " + length
                    + " bytes lies outside the disk (" + image.size() + " bytes)", Errno.EINVAL);
        }
    }

    /** The checks every write, write-zeroes and discard makes: the image is writable and the range inside it. */
    public static void writableRange(BlockImage image, long offset, long length) throws ImageException {
        writable(image);
        inside(image, offset, length);
    }

    public static void writable(BlockImage image) throws ImageException {
        if (image.readOnly()) {
            throw new ImageException(image.name() + ": opened read-only", Errno.EROFS);
        }
    }
}
