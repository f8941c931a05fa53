package org.aiofs.aio.nbd;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One transmission request and what its reply has brought so far. A command may be sent more
 * than once (again after a reconnection); {@link #resetReply} forgets a half-received reply.
 * {@link #done} completes once, with the bytes transferred or the failure.
 */
final class NbdCommand {
    final int type;
    final int flags;
    final long offset;
    final long length;
    /** The payload of a write, the destination of a read, else null. Never moved. */
    final ByteBuffer[] data;
    final CompletableFuture<Long> done = new CompletableFuture<>();

    /** Content chunks received so far (structured reads). */
    final ReadCoverage coverage;
    /** Extents of base:allocation: lengths and flags, in pairs (block status). */
    long[] extents;
    /** The first error chunk, or null. */
    NbdException error;
    /** The write log's last sequence number when a flush was sent: what its success makes durable. */
    long flushCovers;
    /** A write of the log sent again after a reconnection, not one a caller waits for. */
    boolean replay;
    /** The handle it was last sent with. */
    long cookie;
    /** When the command started waiting for a connection to come back, or 0. */
    long waitingSince;

    NbdCommand(int type, int flags, long offset, long length, ByteBuffer[] data) {
        this.type = type;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.data = data;
        this.coverage = type == NbdProtocol.CMD_READ ? new ReadCoverage(length) : null;
    }

    void resetReply() {
        if (coverage != null) {
            coverage.clear();
        }
        extents = null;
        error = null;
    }

    boolean isWrite() {
        return type == NbdProtocol.CMD_WRITE || type == NbdProtocol.CMD_WRITE_ZEROES
                || type == NbdProtocol.CMD_TRIM;
    }

    @Override
    public String toString() {
        return NbdProtocol.commandName(type) + (length > 0 || offset > 0 ? " of " + length + " bytes at " + offset
                : "");
    }
}
