package org.aiofs.aio;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.kenai.jffi.MemoryIO;

/**
 * An engine in front of another that makes any request acceptable to a file that takes
 * only whole blocks (QEMU's bdrv_pad_request): a file opened O_DIRECT (its logical block
 * size, and aligned memory too), once, below every image driver; or an NBD export with a
 * minimum block size (offsets and lengths only), inside its engine. Requests on buffered
 * files, and aligned ones, pass through untouched. Others go through an aligned bounce
 * buffer: a read is widened to whole blocks; a write of partial blocks reads them first
 * (read-modify-write), serialised only against the writes that share those blocks. Zeroing
 * (a block device, or an export) zeroes the aligned middle and writes zeroes at the ends.
 */
public final class RequestPadding extends ForwardingEngine {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    /** A 1 MiB request widened by a sector at each end fits; bigger ones get their own buffer. */
    private final BufferPool bounces = new BufferPool((1 << 20) + 2 * 4096, 4096, 32);
    private final SerialisingRanges writes = new SerialisingRanges();
    /** 0: each O_DIRECT file's own alignment; otherwise the block every file here takes. */
    private final int block;

    /** Pads the requests on files opened O_DIRECT to their alignment (memory included). */
    public RequestPadding(IoEngine inner) {
        this(inner, 0);
    }

    private RequestPadding(IoEngine inner, int block) {
        super(inner);
        this.block = block;
    }

    /**
     * Pads every request it is given to whole {@code block}s (offsets and lengths; memory is
     * not constrained): for an engine whose target has a minimum block size, which sends only
     * its unaligned requests here and gets back aligned ones.
     */
    public static RequestPadding toBlock(IoEngine inner, int block) {
        if (block <= 0) {
            throw new IllegalArgumentException("block size " + block);
        }
        return new RequestPadding(inner, block);
    }

    @Override
    public CompletableFuture<Long> submit(IoRequest request) {
        if (request instanceof IoRequest.Read r && padded(r.file()) && !aligned(r.file(), r.position(), r.buffers())) {
            return paddedRead(r);
        }
        if (request instanceof IoRequest.Write w && padded(w.file())) {
            return write(w);
        }
        if (request instanceof IoRequest.ZeroRange z && zeroesPadded(z.file())) {
            return zero(z.file(), z.position(), z.length(), false);
        }
        if (request instanceof IoRequest.PunchHole p && zeroesPadded(p.file())) {
            return zero(p.file(), p.position(), p.length(), true);
        }
        return inner.submit(request);
    }

    @Override
    public List<CompletableFuture<Long>> submitRun(List<? extends IoRequest> run) {
        if (run.stream().noneMatch(this::needsPadding)) {
            return inner.submitRun(run);
        }
        List<CompletableFuture<Long>> results = new ArrayList<>(run.size());
        for (IoRequest r : run) {
            results.add(submit(r));
        }
        return results;
    }

    @Override
    public List<CompletableFuture<Long>> submitBatch(List<? extends IoRequest> batch) {
        if (batch.stream().noneMatch(this::needsPadding)) {
            return inner.submitBatch(batch); // the engine's own ordering (io_uring drains) stays in use
        }
        return super.submitBatch(batch);
    }

    /** Whether a request must come here rather than go straight to the engine. */
    private boolean needsPadding(IoRequest request) {
        return request instanceof IoRequest.Read r && padded(r.file()) && !aligned(r.file(), r.position(), r.buffers())
                || request instanceof IoRequest.Write w && padded(w.file())
                || request instanceof IoRequest.ZeroRange z && zeroesPadded(z.file())
                || request instanceof IoRequest.PunchHole p && zeroesPadded(p.file());
    }

    private boolean padded(HostFile file) {
        return block > 0 || file.direct();
    }

    /** fallocate on an O_DIRECT regular file takes any range; a block device's zeroing does not. */
    private boolean zeroesPadded(HostFile file) {
        return block > 0 || file.direct() && file.blockDevice();
    }

    private int alignment(HostFile file) {
        return block > 0 ? block : file.alignment();
    }

    private CompletableFuture<Long> paddedRead(IoRequest.Read r) {
        int a = alignment(r.file());
        long length = r.length();
        long start = down(r.position(), a);
        ByteBuffer bounce = bounces.acquire((int) (up(r.position() + length, a) - start));
        return inner.submit(new IoRequest.Read(r.file(), start, bounce)).thenApply(got -> {
            int skip = (int) (r.position() - start);
            int have = (int) Math.max(0, Math.min(length, got - skip));
            scatter(bounce.slice(skip, have), r.buffers());
            return (long) have;
        }).whenComplete((n, e) -> bounces.release(bounce));
    }

    /**
     * Every write to an O_DIRECT file is registered, so a read-modify-write can wait for the
     * ones sharing its sectors; only writes of partial sectors read anything.
     */
    private CompletableFuture<Long> write(IoRequest.Write w) {
        HostFile file = w.file();
        int a = alignment(file);
        long length = w.length();
        long start = down(w.position(), a);
        long end = up(w.position() + length, a);
        boolean partial = start != w.position() || end != w.position() + length;
        ByteBuffer bounce = aligned(file, w.position(), w.buffers()) ? null : bounces.acquire((int) (end - start));
        return writes.begin(file, start, end, partial).thenCompose(range -> {
            CompletableFuture<Long> written;
            if (bounce == null) {
                written = inner.submit(w);
            } else {
                CompletableFuture<Void> edges = partial
                        ? readEdges(file, start, end, w.position(), w.position() + length, bounce)
                        : CompletableFuture.completedFuture(null);
                written = edges.thenCompose(x -> {
                    gather(w.buffers(), bounce.duplicate().position((int) (w.position() - start)));
                    return inner.submit(new IoRequest.Write(file, start, bounce.clear().limit((int) (end - start))));
                }).thenApply(n -> length);
            }
            return written.whenComplete((n, e) -> {
                writes.end(range);
                if (bounce != null) {
                    bounces.release(bounce);
                }
            });
        });
    }

    /** The sectors the data covers only partly, as they are now (zeroes past the end of the file). */
    private CompletableFuture<Void> readEdges(HostFile file, long start, long end, long from, long to,
            ByteBuffer bounce) {
        int a = alignment(file);
        List<CompletableFuture<Long>> reads = new ArrayList<>(2);
        if (from != start || end - start == a) {
            reads.add(readSector(file, start, bounce.slice(0, a)));
        }
        if (to != end && end - start > a) {
            reads.add(readSector(file, end - a, bounce.slice((int) (end - a - start), a)));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Long> readSector(HostFile file, long at, ByteBuffer sector) {
        return inner.submit(new IoRequest.Read(file, at, sector)).thenApply(got -> {
            for (int i = (int) Math.max(0, got); i < sector.limit(); i++) {
                sector.put(i, (byte) 0);
            }
            return got;
        });
    }

    /** Zeroes on a block device: the aligned middle by the engine, the partial ends written as zero bytes. */
    private CompletableFuture<Long> zero(HostFile file, long position, long length, boolean unmap) {
        int a = alignment(file);
        long middleStart = up(position, a);
        long middleEnd = down(position + length, a);
        List<CompletableFuture<Long>> parts = new ArrayList<>(3);
        if (middleStart >= middleEnd) {
            parts.add(write(new IoRequest.Write(file, position, ByteBuffer.allocateDirect((int) length))));
        } else {
            if (middleStart > position) {
                parts.add(write(new IoRequest.Write(file, position,
                        ByteBuffer.allocateDirect((int) (middleStart - position)))));
            }
            parts.add(inner.submit(unmap ? new IoRequest.PunchHole(file, middleStart, middleEnd - middleStart)
                    : new IoRequest.ZeroRange(file, middleStart, middleEnd - middleStart)));
            if (position + length > middleEnd) {
                parts.add(write(new IoRequest.Write(file, middleEnd,
                        ByteBuffer.allocateDirect((int) (position + length - middleEnd)))));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(x -> 0L);
    }

    /** Aligned: the offset, and for O_DIRECT every buffer's address and length; for a block the total length. */
    private boolean aligned(HostFile file, long position, ByteBuffer[] buffers) {
        int a = alignment(file);
        if (position % a != 0) {
            return false;
        }
        if (block > 0) {
            return IoRequest.totalRemaining(buffers) % a == 0;
        }
        for (ByteBuffer b : buffers) {
            if (!b.isDirect() || b.remaining() % a != 0
                    || (MEMORY.getDirectBufferAddress(b) + b.position()) % a != 0) {
                return false;
            }
        }
        return true;
    }

    private static void scatter(ByteBuffer from, ByteBuffer[] to) {
        ByteBuffer src = from.duplicate();
        for (ByteBuffer b : to) {
            int n = Math.min(b.remaining(), src.remaining());
            b.duplicate().put(src.slice(src.position(), n));
            src.position(src.position() + n);
        }
    }

    private static void gather(ByteBuffer[] from, ByteBuffer to) {
        for (ByteBuffer b : from) {
            to.put(b.duplicate());
        }
    }

    private static long down(long v, int a) {
        return v - Math.floorMod(v, a);
    }

    private static long up(long v, int a) {
        return down(v + a - 1, a);
    }
}
