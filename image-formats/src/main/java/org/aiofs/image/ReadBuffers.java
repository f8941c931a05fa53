package org.aiofs.image;

import java.nio.ByteBuffer;

/** Pieces of a guest read's buffer: a slice by guest offset, and zeroes where nothing is stored. */
public final class ReadBuffers {
    /**
     * One read-only direct buffer of zeroes: the data of zero writes, and copied from in bulk (a
     * memory copy) to zero a buffer, where a loop of puts cost a fifth of an allocating write's CPU.
     */
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private ReadBuffers() {
    }

    /** The part of {@code dst} (which holds guest bytes from {@code base} on) for guest {@code [guest, guest+length)}. */
    public static ByteBuffer slice(ByteBuffer dst, long base, long guest, long length) {
        return dst.slice(dst.position() + (int) (guest - base), (int) length);
    }

    /** Up to {@code length} zero bytes (at most 1 MiB), read-only, for a write of zeroes. */
    public static ByteBuffer zeroes(long length) {
        return ZEROES.slice(0, (int) Math.min(length, ZEROES.capacity()));
    }

    /** Zeroes {@code b} from position to limit, leaving both as they were. */
    public static void zero(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) {
            d.put(zeroes(d.remaining()));
        }
    }
}
