package org.aiofs.image.lock;

import java.util.List;

import org.aiofs.aio.FileType;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.OfdLock;
import org.aiofs.image.ImageException;

/**
 * The image locks QEMU takes (block/file-posix.c): for each permission bit i, a shared OFD
 * lock on byte 100+i while holding that permission, and on byte 200+i while refusing to share
 * it. A writer holds consistent-read, write and resize and shares neither write nor resize;
 * a reader holds consistent-read and does not share write. So QEMU refuses an image aiofs
 * writes ("Failed to get "write" lock"), and aiofs refuses one that QEMU writes.
 */
public final class QemuImageLock {
    private static final int PERM_BASE = 100;
    private static final int SHARED_BASE = 200;

    /** QEMU's permission bits, by their bit number, with the names QEMU prints. */
    enum Permission {
        CONSISTENT_READ(0, "consistent read"),
        WRITE(1, "write"),
        WRITE_UNCHANGED(2, "write unchanged"),
        RESIZE(3, "resize");

        final int bit;
        final String qemuName;

        Permission(int bit, String qemuName) {
            this.bit = bit;
            this.qemuName = qemuName;
        }
    }

    private QemuImageLock() {
    }

    /**
     * Checks that no other process's permissions conflict, then takes the locks. They last as
     * long as the file stays open.
     */
    public static void acquire(HostFile file, boolean write) throws ImageException {
        if (file.type() == FileType.CHARACTER_DEVICE) {
            return; // byte-range locks mean nothing on a stream device (and its driver may not answer them)
        }
        List<Permission> held = write
                ? List.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE)
                : List.of(Permission.CONSISTENT_READ);
        List<Permission> unshared = write
                ? List.of(Permission.WRITE, Permission.RESIZE)
                : List.of(Permission.WRITE);
        try {
            for (Permission p : held) {
                if (OfdLock.heldByOthers(file, SHARED_BASE + p.bit)) {
                    throw inUse(file, "another process (QEMU, or an aiofs mount) does not share the \"" + p.qemuName
                            + "\" permission", write);
                }
            }
            for (Permission p : unshared) {
                if (OfdLock.heldByOthers(file, PERM_BASE + p.bit)) {
                    throw inUse(file, "another process (QEMU, or an aiofs mount) holds the \"" + p.qemuName
                            + "\" permission", write);
                }
            }
            for (Permission p : held) {
                OfdLock.lockShared(file, PERM_BASE + p.bit);
            }
            for (Permission p : unshared) {
                OfdLock.lockShared(file, SHARED_BASE + p.bit);
            }
        } catch (HostIoException e) {
            throw new ImageException(file.path() + ": cannot lock the image: " + e.getMessage(), e.errno(), e);
        }
    }

    /**
     * @param forWriting the refused open was for writing: when the other process only reads
     *                   (it refuses to share writing), a reader may still share the image
     */
    private static ImageException inUse(HostFile file, String why, boolean forWriting) {
        boolean readerFits = forWriting && why.contains("does not share the \"write\"");
        return new ImageException(file.path() + " is in use: " + why
                + (readerFits ? "; it can still be opened read-only (--read-only)" : ""), 16 /* EBUSY */);
    }
}
