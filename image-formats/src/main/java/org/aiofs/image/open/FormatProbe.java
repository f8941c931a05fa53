package org.aiofs.image.open;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

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

    public static ImageDriver probe(Path path) throws IOException {
        return probe(path.toString(), head(path));
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

    /** The file's first {@link ImageDriver#PROBE_BYTES} bytes (fewer for a short file). */
    private static ByteBuffer head(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            ByteBuffer head = ByteBuffer.allocate(ImageDriver.PROBE_BYTES);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // a block device or a pipe may return less at a time
            }
            return head.flip();
        }
    }
}
