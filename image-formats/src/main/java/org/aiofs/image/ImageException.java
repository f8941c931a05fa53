package org.aiofs.image;

import java.io.IOException;

import org.aiofs.aio.nativeio.Errno;

/**
 * An image-level failure: a malformed image, a request the image can't serve, an
 * unsupported feature. Carries the errno (see {@link Errno}) the FUSE edge should answer with.
 */
public class ImageException extends IOException {
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

    /**
     * A string read from an image (a snapshot name, a file name) as it may appear in a message:
     * control characters (a newline, a terminal escape) replaced by '?', at most 80 characters.
     */
    public static String printable(String fromImage) {
        String s = fromImage.replaceAll("\\p{Cntrl}", "?");
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    public int errno() {
        return errno;
    }
}
