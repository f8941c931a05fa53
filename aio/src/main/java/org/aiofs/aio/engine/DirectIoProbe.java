package org.aiofs.aio.engine;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.BufferPool;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoRequest;

/**
 * Whether a file can be opened O_DIRECT, and the alignment it then needs: the logical
 * block size for a block device; for a file, the smallest of 512 and 4096 that an
 * aligned read actually accepts (file systems differ, and some refuse O_DIRECT at all).
 */
public final class DirectIoProbe {
    public static final String NAME = "O_DIRECT";

    private DirectIoProbe() {
    }

    public static ProbeResult probe(Path path) {
        try (HostFile file = HostFile.open(path, true, true)) {
            if (file.blockDevice()) {
                return ProbeResult.ok(NAME, "block device, alignment " + file.logicalBlockSize()
                        + " (logical block size)");
            }
            for (int alignment : new int[] {512, 4096}) {
                ByteBuffer buffer = BufferPool.allocate(alignment, 4096);
                buffer.limit(alignment);
                try {
                    BlockingIo.execute(new IoRequest.Read(file, alignment, buffer));
                    return ProbeResult.ok(NAME, "alignment " + alignment + " (smallest aligned read accepted)");
                } catch (HostIoException e) {
                    if (alignment == 4096) {
                        return ProbeResult.refused(NAME, path + ": O_DIRECT read refused: " + e.getMessage());
                    }
                }
            }
            return ProbeResult.refused(NAME, path + ": no alignment works");
        } catch (HostIoException e) {
            return ProbeResult.refused(NAME, path + ": cannot open with O_DIRECT: " + e.getMessage());
        }
    }

    /** The alignment a successful probe reported (512 when not stated). */
    public static int alignment(ProbeResult result) {
        String reason = result.reason();
        int at = reason.indexOf("alignment ");
        if (at < 0) {
            return 512;
        }
        String digits = reason.substring(at + 10).replaceAll("[^0-9].*", "");
        return Integer.parseInt(digits);
    }
}
