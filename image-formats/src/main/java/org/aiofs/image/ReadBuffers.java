package org.aiofs.image;

import java.nio.ByteBuffer;

/** Pieces of a guest read's buffer: a slice by guest offset, and zeroes where nothing is stored. */
public final class ReadBuffers {
    private ReadBuffers() {
    }

    /** The part of {@code dst} (which holds guest bytes from {@code base} on) for guest {@code [guest, guest+length)}. */
    public static ByteBuffer slice(ByteBuffer dst, long base, long guest, long length) {
        return dst.slice(dst.position() + (int) (guest - base), (int) length);
    }

    /** Zeroes {@code b} from position to limit, leaving both as they were. */
    public static void zero(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        while (d.remaining() >= 8) {
            d.putLong(0);
        }
        while (d.hasRemaining()) {
            d.put((byte) 0);
        }
    }
}
