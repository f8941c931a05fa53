package org.aiofs.image;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;

/**
 * One image format, as data (QEMU's {@code BlockDriver}, nbdkit's small plugin surface):
 * how to recognise it, open it, describe it, and, where the format has them, check and
 * create it. Every driver is listed once in the registry ({@code open.ImageDrivers}), which
 * the opener, {@code info}, {@code check} and {@code create} read; nothing else names a
 * format.
 */
public interface ImageDriver {
    /** Bytes of a file's start that {@link #probe} sees (QEMU's BLOCK_PROBE_BUF_SIZE). */
    int PROBE_BYTES = 2048;

    /** The name users give to {@code --format}, as qemu-img spells it ("raw", "qcow2", "vpc", ...). */
    String name();

    DriverCapabilities capabilities();

    /**
     * How sure this driver is that a file is in its format, from the file's first bytes
     * ({@code head}, up to {@link #PROBE_BYTES}, fewer for a short file): 0 not at all, 100
     * a full magic match. Raw answers 1 for everything: it is what is left.
     */
    int probe(ByteBuffer head);

    /**
     * Opens the image stored in {@code file}, which the caller has opened (read-only unless
     * {@code context.readOnly()} is false) and locked, and owns until this returns. Files the
     * image names (backing images, data files, extents) are opened only through the context.
     */
    BlockImage open(HostFile file, OpenContext context) throws IOException;

    /** What `aiofs info` shows of an image this driver opened, as qemu-img info shows it. */
    ImageInfo describe(BlockImage image) throws IOException;

    /**
     * Checks the image's own consistency, as {@code qemu-img check}; only called when
     * {@link DriverCapabilities#check()} says the driver has checks.
     */
    default CheckResult check(Path image, RepairMode mode, PrintWriter log) throws IOException {
        throw new ImageException(image + ": This image format does not support checks", Errno.ENOTSUP);
    }

    /** Creates a new image; only called when {@link DriverCapabilities#create()} says it can. */
    default void create(Path image, CreateRequest request) throws IOException {
        throw new ImageException(image + ": aiofs cannot create " + name() + " images", Errno.ENOTSUP);
    }
}
