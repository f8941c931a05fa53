package org.aiofs.aio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.StampedLock;

import com.kenai.jffi.MemoryIO;

/**
 * Requests at any offset and length on a file that takes only requests aligned to a block
 * size: a file opened O_DIRECT (its logical block size, and aligned memory too), or an NBD
 * export with a minimum block size. Aligned requests pass through; others go
 * through an aligned bounce buffer, and unaligned writes become read-modify-write of the
 * blocks they touch. Those run under an exclusive lock (aligned writes share it), so a
 * concurrent write to the same block is never lost between the read and the write back.
 * Bounce buffers come from a pool: the FUSE buffer is never sector-aligned, so nearly every
 * request on a block device takes this path.
 */
public final class RequestAligner {
    private final HostFile file;
    private final IoEngine engine;
    private final int alignment;
    private final boolean alignedMemory;
    private final StampedLock blocks = new StampedLock();
    /** A FUSE request (128 KiB at most) widened to whole blocks at both ends. */
    private final BufferPool bounces;

    /**
     * @param alignment     the block size offsets and lengths must be multiples of
     * @param alignedMemory buffers' addresses must be aligned too (O_DIRECT)
     */
    public RequestAligner(HostFile file, IoEngine engine, int alignment, boolean alignedMemory) {
        this.file = file;
        this.engine = engine;
        this.alignment = alignment;
        this.alignedMemory = alignedMemory;
        this.bounces = new BufferPool((128 << 10) + 2 * alignment, alignment, 64);
    }

    public boolean aligned(long offset, ByteBuffer buffer) {
        return offset % alignment == 0 && buffer.remaining() % alignment == 0 && (!alignedMemory
                || buffer.isDirect()
                && (MemoryIO.getInstance().getDirectBufferAddress(buffer) + buffer.position()) % alignment == 0);
    }

    public boolean aligned(long offset, long length) {
        return offset % alignment == 0 && length % alignment == 0;
    }

    public CompletableFuture<Long> read(long offset, ByteBuffer dst) {
        if (aligned(offset, dst)) {
            return engine.submit(new IoRequest.Read(file, offset, dst));
        }
        long start = alignDown(offset);
        ByteBuffer bounce = bounces.acquire((int) (alignUp(offset + dst.remaining()) - start));
        return engine.submit(new IoRequest.Read(file, start, bounce)).thenApply(got -> {
            int skip = (int) (offset - start);
            int have = (int) Math.max(0, Math.min(dst.remaining(), got - skip));
            dst.duplicate().put(bounce.slice(skip, have));
            return (long) have;
        }).whenComplete((n, e) -> bounces.release(bounce));
    }

    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        if (aligned(offset, src.remaining())) {
            // whole blocks: no read needed, at most a copy into an aligned buffer
            ByteBuffer bounce = aligned(offset, src) ? null : bounces.acquire(src.remaining());
            ByteBuffer data = bounce == null ? src : bounce.put(src.duplicate()).flip();
            long stamp = blocks.readLock();
            return engine.submit(new IoRequest.Write(file, offset, data)).whenComplete((n, e) -> {
                blocks.unlockRead(stamp);
                if (bounce != null) {
                    bounces.release(bounce);
                }
            }).thenApply(n -> null);
        }
        long start = alignDown(offset);
        ByteBuffer bounce = bounces.acquire((int) (alignUp(offset + src.remaining()) - start));
        long stamp = blocks.writeLock();
        try {
            Futures.await(engine.submit(new IoRequest.Read(file, start, bounce)));
            bounce.duplicate().position((int) (offset - start)).put(src.duplicate());
            Futures.await(engine.submit(new IoRequest.Write(file, start, bounce)));
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            blocks.unlockWrite(stamp);
            bounces.release(bounce);
        }
    }

    /** Zeroes a range: the aligned middle by the engine's zero request, unaligned ends written as zero bytes. */
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        long middleStart = alignUp(offset);
        long middleEnd = alignDown(offset + length);
        if (middleStart >= middleEnd) {
            return write(offset, ByteBuffer.allocateDirect((int) length));
        }
        CompletableFuture<Void> head = middleStart > offset
                ? write(offset, ByteBuffer.allocateDirect((int) (middleStart - offset)))
                : CompletableFuture.completedFuture(null);
        CompletableFuture<Void> tail = offset + length > middleEnd
                ? write(middleEnd, ByteBuffer.allocateDirect((int) (offset + length - middleEnd)))
                : CompletableFuture.completedFuture(null);
        IoRequest middle = unmap
                ? new IoRequest.PunchHole(file, middleStart, middleEnd - middleStart)
                : new IoRequest.ZeroRange(file, middleStart, middleEnd - middleStart);
        return CompletableFuture.allOf(head, tail, engine.submit(middle));
    }

    private long alignDown(long v) {
        return v - v % alignment;
    }

    private long alignUp(long v) {
        return alignDown(v + alignment - 1);
    }
}
