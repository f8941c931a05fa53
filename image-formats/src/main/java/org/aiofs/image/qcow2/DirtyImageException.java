package org.aiofs.image.qcow2;

import org.aiofs.image.ImageException;

/** A lazy-refcounts image that was not closed cleanly: its refcounts must be rebuilt before writing. */
public final class DirtyImageException extends ImageException {
    public DirtyImageException(String message) {
        super(message, EIO);
    }
}
