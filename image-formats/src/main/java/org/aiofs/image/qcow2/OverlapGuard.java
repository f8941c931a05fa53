package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.ImageException;

/**
 * The overlap check every write of the writer passes, and what follows a failed one (as
 * in QEMU): the image is marked corrupt, the write fails with EIO naming what it would
 * have overwritten, and every later write is refused. Any other failure of a metadata
 * update also stops writing ("poisons"), since memory may then be ahead of the file.
 */
final class OverlapGuard {
    private final String name;
    private final MetadataMap meta;
    private final HeaderFlags flags;
    private final int clusterSize;
    private volatile String broken;

    OverlapGuard(String name, MetadataMap meta, HeaderFlags flags, int clusterSize) {
        this.name = name;
        this.meta = meta;
        this.flags = flags;
        this.clusterSize = clusterSize;
    }

    /** {@code w} itself, if it touches no metadata but the kind {@code allowed} (null: guest data). */
    IoRequest.Write checked(IoRequest.Write w, MetadataMap.Kind allowed) throws ImageException {
        MetadataMap.Kind hit = meta.overlap(w.position(), w.length(), allowed);
        if (hit != null) {
            throw corruption("write at 0x" + Long.toHexString(w.position()) + " (" + w.length() + " bytes"
                    + (allowed == null ? ", guest data" : ", " + allowed) + ") would overwrite " + hit);
        }
        return w;
    }

    /** A cluster the refcounts call free must not hold metadata (damaged refcounts). */
    void verifyFree(long offset) throws ImageException {
        MetadataMap.Kind k = meta.overlap(offset, clusterSize, null);
        if (k != null) {
            throw corruption("cluster 0x" + Long.toHexString(offset) + " has refcount 0 but holds " + k);
        }
    }

    synchronized ImageException corruption(String what) {
        String message = name + ": marking image as corrupt: " + what + "; further writes are refused";
        System.err.println("aiofs: qcow2: " + message);
        if (broken == null) {
            broken = "image marked corrupt (" + what + ")";
            try {
                flags.markCorrupt();
            } catch (IOException e) {
                System.err.println("aiofs: qcow2: " + name + ": could not set the corrupt bit: " + e.getMessage());
            }
        }
        return new ImageException(message, Errno.EIO);
    }

    void poison(Throwable e) {
        synchronized (this) {
            if (broken == null) {
                broken = String.valueOf(e.getMessage());
            }
        }
    }

    boolean broken() {
        return broken != null;
    }

    /** What stopped writing, or null. */
    String reason() {
        return broken;
    }

    void usable() throws ImageException {
        String b = broken;
        if (b != null) {
            throw new ImageException(name + ": writes refused after an earlier failure: " + b, Errno.EIO);
        }
    }
}
