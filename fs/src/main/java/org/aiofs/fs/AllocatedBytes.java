package org.aiofs.fs;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;

/**
 * How many of an image's bytes are stored (block status DATA), for st_blocks: what du and
 * cp --sparse go by. Counting walks the image's block status, one step per run of data or
 * holes, so each image's count is kept until a write through the mount may have changed
 * the allocation (any write may change any file's: disk.raw and partN.raw share bytes).
 */
final class AllocatedBytes {
    private record Count(long generation, long bytes) {
    }

    private final Map<BlockImage, Count> counts = Collections.synchronizedMap(new WeakHashMap<>());
    private final AtomicLong generation = new AtomicLong();

    /** A write, zeroing or discard has completed (or failed halfway): every count is stale. */
    void changed() {
        generation.incrementAndGet();
    }

    /**
     * The stored bytes; when the image can't tell (its block status fails), the whole size, as
     * QEMU's export answers then: a stat must not fail over a count.
     */
    long of(BlockImage image) {
        long current = generation.get();
        Count known = counts.get(image);
        if (known != null && known.generation() == current) {
            return known.bytes();
        }
        long bytes;
        try {
            bytes = count(image);
        } catch (IOException | RuntimeException e) {
            ServerLog.error(image.name() + ": cannot count its stored blocks (st_blocks shows the whole size): "
                    + e.getMessage());
            bytes = image.size();
        }
        counts.put(image, new Count(current, bytes));
        return bytes;
    }

    private static long count(BlockImage image) throws IOException {
        long size = image.size();
        long data = 0;
        for (long pos = 0; pos < size; ) {
            BlockStatus s = image.blockStatus(pos, size - pos);
            if (s.length() <= 0) {
                throw new IOException(image.name() + ": block status at offset " + pos + " reported an empty run");
            }
            if (s.kind() == BlockStatus.Kind.DATA) {
                data += s.length();
            }
            pos += s.length();
        }
        return data;
    }
}
