package org.aiofs.aio.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's buffers seen as one run of bytes: slices of any sub-range, independent of the
 * buffers' own positions (which the engine must never move).
 */
final class BufferSlices {
    private BufferSlices() {
    }

    /** Slices covering bytes [from, from+count) of the buffers taken end to end. */
    static ByteBuffer[] of(ByteBuffer[] buffers, long from, long count) {
        List<ByteBuffer> out = new ArrayList<>(buffers.length);
        long skip = from;
        long left = count;
        for (ByteBuffer b : buffers) {
            if (left == 0) {
                break;
            }
            int size = b.remaining();
            if (skip >= size) {
                skip -= size;
                continue;
            }
            int take = (int) Math.min(size - skip, left);
            out.add(b.slice(b.position() + (int) skip, take));
            left -= take;
            skip = 0;
        }
        if (left != 0) {
            throw new IllegalArgumentException("range " + from + "+" + count + " beyond the buffers");
        }
        return out.toArray(ByteBuffer[]::new);
    }

    static void fillZero(ByteBuffer[] slices) {
        for (ByteBuffer s : slices) {
            ByteBuffer d = s.duplicate();
            while (d.remaining() >= 8) {
                d.putLong(0);
            }
            while (d.hasRemaining()) {
                d.put((byte) 0);
            }
        }
    }
}
