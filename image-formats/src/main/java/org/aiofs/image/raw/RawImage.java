package org.aiofs.image.raw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.HostFileStatus;
import org.aiofs.image.ImageException;
import org.aiofs.image.RangeCheck;

/**
 * A raw image: guest offset = host offset; holes in the host file read as zeroes. A file
 * opened O_DIRECT takes requests of any alignment through {@link org.aiofs.aio.RequestPadding},
 * which the image opener puts in front of the engine.
 */
public final class RawImage implements BlockImage {
    private final HostFile file;
    private final IoEngine engine;
    private final long size;
    /**
     * The last run of data lseek found, [start, end), and the zeroing generation it was found
     * in: a walk of the block status (st_blocks, an overlay's reads of its backing file) asks
     * the kernel once per run, not once per step. Writes only turn holes into data, so a known
     * run stays true until a zeroing or discard, which starts a new generation.
     */
    private volatile DataRun lastDataRun;
    private final AtomicLong zeroings = new AtomicLong();

    private record DataRun(long start, long end, long generation) {
    }

    public RawImage(HostFile file, IoEngine engine) throws IOException {
        this.file = file;
        this.engine = engine;
        this.size = file.size();
    }

    @Override
    public String name() {
        return file.name();
    }

    @Override
    public String format() {
        return "raw";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return file.readOnly();
    }

    public HostFile file() {
        return file;
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        try {
            RangeCheck.inside(this, offset, dst.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        int wanted = dst.remaining();
        CompletableFuture<Long> read = engine.submit(new IoRequest.Read(file, offset, dst));
        return read.thenAccept(got -> {
            if (got < wanted) { // the file shrank under us: what is missing reads as zeroes
                ByteBuffer tail = dst.duplicate();
                tail.position(tail.position() + got.intValue());
                while (tail.hasRemaining()) {
                    tail.put((byte) 0);
                }
            }
        });
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src) {
        try {
            RangeCheck.writableRange(this, offset, src.remaining());
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        return engine.submit(new IoRequest.Write(file, offset, src)).thenApply(n -> null);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        try {
            RangeCheck.writableRange(this, offset, length);
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        IoRequest request = unmap
                ? new IoRequest.PunchHole(file, offset, length)
                : new IoRequest.ZeroRange(file, offset, length);
        zeroings.incrementAndGet();
        // and again once done: a run found while the zeroing ran is forgotten too
        return engine.submit(request).whenComplete((n, e) -> zeroings.incrementAndGet()).thenApply(n -> null);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return writeZeroes(offset, length, true);
    }

    @Override
    public CompletableFuture<Void> flush() {
        if (readOnly()) {
            return CompletableFuture.completedFuture(null);
        }
        return engine.submit(new IoRequest.Flush(file, true)).thenApply(n -> null);
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        RangeCheck.inside(this, offset, length);
        long generation = zeroings.get();
        DataRun known = lastDataRun;
        if (known != null && known.generation() == generation && offset >= known.start() && offset < known.end()) {
            return new BlockStatus(BlockStatus.Kind.DATA, offset, Math.min(length, known.end() - offset));
        }
        HostFileStatus.Found found = HostFileStatus.find(file, offset, length);
        if (found.dataEnd() > offset) {
            lastDataRun = new DataRun(offset, found.dataEnd(), generation);
        }
        return found.status();
    }

    @Override
    public void close() throws IOException {
        try {
            org.aiofs.aio.Futures.await(flush());
        } finally {
            file.close();
        }
    }
}
