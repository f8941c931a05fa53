package org.aiofs.image;

import java.io.IOException;

/**
 * A driver's block status: the runs its map reports from an offset (a parent's runs already
 * asked of the parent), merged while they are of one kind. The walk is bounded, so a long
 * run of a huge sparse disk is reported in pieces rather than scanned whole.
 */
public final class BlockStatusWalk {
    /** One answer covers at most this much. */
    static final long LIMIT = 1L << 30;

    /** The status of the run that starts at {@code pos}, for at most {@code max} bytes (at least one byte). */
    @FunctionalInterface
    public interface Step {
        BlockStatus at(long pos, long max) throws IOException;
    }

    private BlockStatusWalk() {
    }

    public static BlockStatus merge(long offset, long length, Step step) throws IOException {
        long end = offset + length;
        long limit = Math.min(end, offset + LIMIT);
        BlockStatus.Kind kind = null;
        long pos = offset;
        while (pos < limit) {
            BlockStatus s = step.at(pos, limit - pos);
            if (kind == null) {
                kind = s.kind();
            } else if (s.kind() != kind) {
                break;
            }
            pos += s.length();
        }
        return new BlockStatus(kind, offset, Math.min(pos, end) - offset);
    }
}
