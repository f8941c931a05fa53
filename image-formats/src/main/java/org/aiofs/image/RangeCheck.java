package org.aiofs.image;

/** The bounds check every driver makes before touching a guest range. */
public final class RangeCheck {
    private RangeCheck() {
    }

    public static void inside(BlockImage image, long offset, long length) throws ImageException {
        if (offset < 0 || length < 0 || offset > image.size() || length > image.size() - offset) {
            throw new ImageException(image.name() + ": request at offset " + offset + " for " + length
                    + " bytes lies outside the disk (" + image.size() + " bytes)", ImageException.EINVAL);
        }
    }

    public static void writable(BlockImage image) throws ImageException {
        if (image.readOnly()) {
            throw new ImageException(image.name() + ": opened read-only", ImageException.EROFS);
        }
    }
}
