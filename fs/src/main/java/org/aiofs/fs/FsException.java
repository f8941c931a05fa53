package org.aiofs.fs;

/** A filesystem operation refused with an errno value (the FUSE edge answers -errno). */
public class FsException extends Exception {
    private final int errno;

    public FsException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
