package org.aiofs.fs.kernel;

import java.nio.ByteBuffer;

/**
 * fuse_open_out: the handle, and how the kernel is to treat the open file. (FUSE passthrough
 * would add FOPEN_PASSTHROUGH and a backing id here, for files that are a whole host file.)
 */
final class OpenReply {
    static final int SIZE = 16;
    static final int FOPEN_DIRECT_IO = 1 << 0;
    static final int FOPEN_NOFLUSH = 1 << 5;
    static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

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

    static void put(ByteBuffer b, long handle, int flags) {
        b.putLong(0, handle);
        b.putInt(8, flags);
        b.putInt(12, 0); // backing_id: no passthrough
    }
}
