package org.aiofs.aio.engine;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.aiofs.aio.BlockingIo;
import org.aiofs.aio.BufferPool;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.HostIoException;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.NativeIoVector;
import org.aiofs.aio.nativeio.Errno;

/**
 * The state of one request in flight in a kernel-queue engine (io_uring, linux-aio):
 * preallocated once per slot, so the hot path allocates nothing but the future.
 * Turns the kernel's result (bytes or -errno) into the future's outcome.
 */
final class RequestSlot {
    final NativeIoVector vector;
    private final BufferPool pool;
    IoRequest request;
    CompletableFuture<Long> future;

    RequestSlot(int iovecs, BufferPool pool) {
        this.vector = new NativeIoVector(iovecs);
        this.pool = pool;
    }

    void start(IoRequest request, CompletableFuture<Long> future) {
        this.request = request;
        this.future = future;
    }

    /** What a finished request delivers to its future. */
    record Outcome(CompletableFuture<Long> future, long value, Throwable error) {
        /** Completes the future: its callbacks run here, on the caller's thread. */
        void deliver() {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(value);
            }
        }
    }

    /**
     * Turns the kernel's result (bytes or -errno) into the request's outcome and empties the
     * slot (bounced reads are copied back; short transfers are finished synchronously). The
     * engine gives the slot back, then delivers the outcome, so a callback that submits at
     * once finds a free slot.
     */
    Outcome finish(long result) {
        IoRequest r = request;
        CompletableFuture<Long> f = future;
        request = null;
        future = null;
        boolean read = r instanceof IoRequest.Read;
        boolean transfer = read || r instanceof IoRequest.Write;
        if (transfer) {
            vector.finish(read, Math.max(result, 0), pool);
        }
        try {
            if (result < 0) {
                int errno = (int) -result;
                if (r instanceof IoRequest.ZeroRange && (errno == Errno.EOPNOTSUPP || errno == Errno.EINVAL)) {
                    return new Outcome(f, BlockingIo.execute(r), null); // file system without ZERO_RANGE: write zeroes
                }
                return new Outcome(f, 0, new HostIoException(operation(r), file(r).path(), position(r), errno));
            } else if (transfer && result < vector.length() && !(read && result == 0)) {
                return new Outcome(f, result + finishShort(r, result), null);
            }
            return new Outcome(f, result, null);
        } catch (HostIoException | RuntimeException e) {
            return new Outcome(f, 0, e);
        }
    }

    /** Whether a request occupies the slot. */
    boolean busy() {
        return future != null;
    }

    void fail(Throwable error) {
        IoRequest r = request;
        CompletableFuture<Long> f = future;
        request = null;
        future = null;
        if (r instanceof IoRequest.Read || r instanceof IoRequest.Write) {
            vector.finish(false, 0, pool);
        }
        f.completeExceptionally(error);
    }

    /** A short transfer: the rest with preadv/pwritev (a read then meets end of file at once). */
    private static long finishShort(IoRequest r, long done) throws HostIoException {
        if (r instanceof IoRequest.Read read) {
            return BlockingIo.execute(new IoRequest.Read(read.file(), read.position() + done, skip(read.buffers(), done)));
        }
        IoRequest.Write w = (IoRequest.Write) r;
        return BlockingIo.execute(new IoRequest.Write(w.file(), w.position() + done, skip(w.buffers(), done)));
    }

    static ByteBuffer[] skip(ByteBuffer[] buffers, long bytes) {
        java.util.List<ByteBuffer> rest = new java.util.ArrayList<>();
        for (ByteBuffer b : buffers) {
            if (bytes >= b.remaining()) {
                bytes -= b.remaining();
                continue;
            }
            ByteBuffer d = b.duplicate();
            d.position(d.position() + (int) bytes);
            bytes = 0;
            rest.add(d);
        }
        return rest.toArray(ByteBuffer[]::new);
    }

    static String operation(IoRequest r) {
        if (r instanceof IoRequest.Read) {
            return "read";
        } else if (r instanceof IoRequest.Write) {
            return "write";
        } else if (r instanceof IoRequest.Flush f) {
            return f.dataOnly() ? "fdatasync" : "fsync";
        } else if (r instanceof IoRequest.ZeroRange) {
            return "fallocate(zero range)";
        } else if (r instanceof IoRequest.PunchHole) {
            return "fallocate(punch hole)";
        }
        return "barrier";
    }

    static HostFile file(IoRequest r) {
        if (r instanceof IoRequest.Read x) {
            return x.file();
        } else if (r instanceof IoRequest.Write x) {
            return x.file();
        } else if (r instanceof IoRequest.Flush x) {
            return x.file();
        } else if (r instanceof IoRequest.ZeroRange x) {
            return x.file();
        } else if (r instanceof IoRequest.PunchHole x) {
            return x.file();
        }
        return null;
    }

    static long position(IoRequest r) {
        if (r instanceof IoRequest.Read x) {
            return x.position();
        } else if (r instanceof IoRequest.Write x) {
            return x.position();
        } else if (r instanceof IoRequest.ZeroRange x) {
            return x.position();
        } else if (r instanceof IoRequest.PunchHole x) {
            return x.position();
        }
        return -1;
    }
}
