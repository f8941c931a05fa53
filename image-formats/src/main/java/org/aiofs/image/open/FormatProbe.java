package org.aiofs.image.open;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageException;

/**
 * Finds a file's format from its first bytes, as QEMU's bdrv_probe: every driver scores the
 * head, the highest wins (raw always scores 1, so it wins only when nothing else matches).
 * A file carrying the magic of a format aiofs does not read is refused, never served as raw.
 */
public final class FormatProbe {
    private FormatProbe() {
    }

    /** The driver for a file the user named (a character device is accepted: the user chose it). */
    public static ImageDriver probe(Path path) throws IOException {
        try (HostFile file = HostFile.open(path, true, false, true)) {
            return probe(file);
        }
    }

    /** The driver for an opened file (a backing file the opener has checked and locked). */
    public static ImageDriver probe(HostFile file) throws IOException {
        return probe(file.path().toString(), head(file));
    }

    static ImageDriver probe(String name, ByteBuffer head) throws ImageException {
        ImageDriver best = null;
        int bestScore = 0;
        for (ImageDriver d : ImageDrivers.all()) {
            int score = d.probe(head.duplicate());
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        if (bestScore <= 1) {
            ForeignFormat foreign = ForeignFormat.of(head);
            if (foreign != null) {
                throw new ImageException(name + ": a " + foreign.name() + " image (by its magic), a format aiofs"
                        + " does not read: convert it (qemu-img convert -O qcow2), or pass --format raw to see its"
                        + " bytes as they are", Errno.ENOTSUP);
            }
        }
        return best;
    }

    /** The file's first {@link ImageDriver#PROBE_BYTES} bytes (fewer for a short file). */
    private static ByteBuffer head(HostFile file) throws IOException {
        ByteBuffer head = ByteBuffer.allocateDirect(ImageDriver.PROBE_BYTES);
        long got = BlockingIo.execute(new IoRequest.Read(file, 0, head));
        return head.limit((int) got);
    }
}
