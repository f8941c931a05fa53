package org.aiofs.image.open;

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
        return probe(path, true);
    }

    /**
     * @param userNamed the user named the file (not an image): a character device is then accepted
     */
    public static ImageDriver probe(Path path, boolean userNamed) throws IOException {
        return probe(path.toString(), head(path, userNamed));
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
                        + " bytes as they are", ImageException.ENOTSUP);
            }
        }
        return best;
    }

    /**
     * The file's first {@link ImageDriver#PROBE_BYTES} bytes (fewer for a short file), read
     * through {@link HostFile}, which refuses what is not an image (a FIFO would block here).
     */
    private static ByteBuffer head(Path path, boolean userNamed) throws IOException {
        try (HostFile file = HostFile.open(path, true, false, userNamed)) {
            ByteBuffer head = ByteBuffer.allocateDirect(ImageDriver.PROBE_BYTES);
            long got = BlockingIo.execute(new IoRequest.Read(file, 0, head));
            return head.limit((int) got);
        }
    }
}
