package org.aiofs.aio;

import java.nio.ByteBuffer;

/**
 * One request to an engine. Buffers are used from their position to their limit and
 * are never moved by the engine (their position and limit stay as they were), so a
 * request can be resubmitted as it is. Direct buffers travel without a copy.
 */
public sealed interface IoRequest {

    /** Reads into the buffers in order, from {@code position}; fewer bytes only at end of file. */
    record Read(HostFile file, long position, ByteBuffer... buffers) implements IoRequest {
        public Read {
            checkPosition(position);
        }

        public long length() {
            return totalRemaining(buffers);
        }
    }

    /** Writes the buffers in order at {@code position}; all of them or an error. */
    record Write(HostFile file, long position, ByteBuffer... buffers) implements IoRequest {
        public Write {
            checkPosition(position);
        }

        public long length() {
            return totalRemaining(buffers);
        }
    }

    /** fsync, or fdatasync when {@code dataOnly}. */
    record Flush(HostFile file, boolean dataOnly) implements IoRequest {
    }

    /** The range reads as zeroes afterwards; storage stays allocated where the file system can. */
    record ZeroRange(HostFile file, long position, long length) implements IoRequest {
        public ZeroRange {
            checkPosition(position);
        }
    }

    /** The range reads as zeroes afterwards and its storage is released; the size does not change. */
    record PunchHole(HostFile file, long position, long length) implements IoRequest {
        public PunchHole {
            checkPosition(position);
        }
    }

    /**
     * An ordering mark inside a batch: the requests after it start only once every request
     * before it has completed (io_uring's IOSQE_IO_DRAIN). "This flush runs after these writes."
     */
    record Barrier() implements IoRequest {
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative file position " + position);
        }
    }

    static long totalRemaining(ByteBuffer[] buffers) {
        long total = 0;
        for (ByteBuffer b : buffers) { // a loop, not a stream: this runs for every request
            total += b.remaining();
        }
        return total;
    }
}
