package org.aiofs.image;

import org.aiofs.aio.nativeio.Errno;

/**
 * An image that must be repaired by its driver's check before it is written, as QEMU repairs
 * it on a writable open (a qcow2 image with lazy refcounts that was not closed cleanly).
 */
public final class RepairNeededException extends ImageException {
    public RepairNeededException(String message) {
        super(message, Errno.EIO);
    }
}
