package org.aiofs.image;

import java.io.IOException;

import org.aiofs.aio.nativeio.Errno;

/**
 * An image-level failure: a malformed image, a request the image can't serve, an
 * unsupported feature. Carries the errno (see {@link Errno}) the FUSE edge should answer with.
 */
public class ImageException extends IOException {
    /** Kept while other branches still name these here: use {@link Errno}. */
    @Deprecated(forRemoval = true)
    public static final int EIO = Errno.EIO;
    @Deprecated(forRemoval = true)
    public static final int EINVAL = Errno.EINVAL;
    @Deprecated(forRemoval = true)
    public static final int ENOSPC = Errno.ENOSPC;
    @Deprecated(forRemoval = true)
    public static final int EROFS = Errno.EROFS;
    @Deprecated(forRemoval = true)
    public static final int ENOTSUP = Errno.ENOTSUP;

    private final int errno;

    public ImageException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public ImageException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** A malformed image: a field that can't be right. */
    public static ImageException corrupt(String image, String what) {
        return new ImageException(image + ": " + what, Errno.EIO);
    }

    public int errno() {
        return errno;
    }
}
