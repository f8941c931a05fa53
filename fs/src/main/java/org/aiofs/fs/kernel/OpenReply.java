package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;

/**
 * fuse_open_out: the handle, and how the kernel is to treat the open file: through aiofs
 * (direct_io), or from a backing file the kernel reads and writes itself (passthrough).
 */
final class OpenReply {
    static final int SIZE = 16;
    static final int FOPEN_DIRECT_IO = 1 << 0;
    static final int FOPEN_NOFLUSH = 1 << 5;
    static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;
    static final int FOPEN_PASSTHROUGH = 1 << 7;

    private OpenReply() {
    }

    /**
     * Every file bypasses the kernel's page cache (disk.raw and partN.raw alias the same bytes:
     * a cached page of one would go stale when the other is written; the image file itself
     * stays in the host page cache). Writes to one file may run in parallel (the image orders
     * what needs ordering), and close(2) needs no FLUSH round trip (durability is fsync's job).
     */
    static int fileFlags(Connection c) {
        int flags = FOPEN_DIRECT_IO;
        if (c.minor() >= 35) {
            flags |= FOPEN_NOFLUSH;
        }
        if (c.minor() >= 38) {
            flags |= FOPEN_PARALLEL_DIRECT_WRITES;
        }
        return flags;
    }

    /**
     * A passed-through file: no direct_io (FOPEN_DIRECT_IO would override passthrough), and
     * no FLUSH on close; the only flags the kernel accepts next to FOPEN_PASSTHROUGH are
     * DIRECT_IO, PARALLEL_DIRECT_WRITES and NOFLUSH.
     */
    static int passthroughFlags() {
        return FOPEN_PASSTHROUGH | FOPEN_NOFLUSH;
    }

    static void put(ByteBuffer b, long handle, int flags) {
        put(b, handle, flags, 0);
    }

    /** @param backingId the backing file's id, or 0 (no passthrough) */
    static void put(ByteBuffer b, long handle, int flags, int backingId) {
        b.putLong(0, handle);
        b.putInt(8, flags);
        b.putInt(12, backingId);
    }
}
