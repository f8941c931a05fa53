package org.aiofs.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.lock.QemuImageLock;
import org.aiofs.image.raw.RawImage;

/**
 * Opens an image file as a {@link BlockImage}: the format named by the user, or probed
 * by its magic. A probed raw image is never opened for writing: a guest could write a
 * qcow2 header into it and the next open would trust that header.
 */
public final class ImageOpener {
    private static final int QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

    private final IoEngine engine;

    public ImageOpener(IoEngine engine) {
        this.engine = engine;
    }

    /**
     * @param format null to probe
     */
    public BlockImage open(Path path, ImageFormat format, boolean readOnly) throws IOException {
        HostFile file = HostFile.open(path, readOnly, false);
        try {
            QemuImageLock.acquire(file, !readOnly);
            ImageFormat actual = format != null ? format : probe(file);
            if (format == null && actual == ImageFormat.RAW && !readOnly) {
                throw new ImageException(path + ": format not given and probed as raw; writing to a probed raw image"
                        + " is refused (pass --format raw, or --read-only)", ImageException.EINVAL);
            }
            return switch (actual) {
                case RAW -> new RawImage(file, engine);
                case QCOW2 -> throw new ImageException(path + ": qcow2 is not supported yet",
                        ImageException.ENOTSUP);
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** qcow2 by its magic, raw otherwise. */
    public ImageFormat probe(HostFile file) throws IOException {
        if (file.size() < 4) {
            return ImageFormat.RAW;
        }
        ByteBuffer head = ByteBuffer.allocateDirect(4);
        long got = Futures.await(engine.submit(new IoRequest.Read(file, 0, head)));
        return got == 4 && head.getInt(0) == QCOW2_MAGIC ? ImageFormat.QCOW2 : ImageFormat.RAW;
    }
}
