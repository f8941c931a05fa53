package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;

import org.aiofs.image.ReadBuffers;

/**
 * Zero writes and discards: whole clusters through metadata (see {@link ZeroPlanner}), one
 * L2 table's span at a time so a huge range is never planned at once; partial clusters,
 * and whole ones where metadata can't say "zero" (v2 over a backing file), as zero bytes.
 */
final class ZeroWrites {
    /** The writer's write of guest data, as a zero write uses it. */
    @FunctionalInterface
    interface DataWrite {
        CompletableFuture<Void> write(long offset, ByteBuffer data);
    }

    private final ClusterGeometry geometry;
    private final long virtualSize;
    private final StampedLock lock;
    private final ZeroPlanner planner;
    private final InFlightClusters inFlight;
    private final OperationLinker linker;
    private final HostIoEpochs epochs;
    private final Executor continuations;
    private final Supplier<ClusterOperation> newOperation;
    private final DataWrite dataWrite;

    ZeroWrites(ClusterGeometry geometry, long virtualSize, StampedLock lock, ZeroPlanner planner,
            InFlightClusters inFlight, OperationLinker linker, HostIoEpochs epochs, Executor continuations,
            Supplier<ClusterOperation> newOperation, DataWrite dataWrite) {
        this.geometry = geometry;
        this.virtualSize = virtualSize;
        this.lock = lock;
        this.planner = planner;
        this.inFlight = inFlight;
        this.linker = linker;
        this.epochs = epochs;
        this.continuations = continuations;
        this.newOperation = newOperation;
        this.dataWrite = dataWrite;
    }

    CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        int cs = geometry.clusterSize();
        long end = offset + length;
        long firstWhole = (offset + cs - 1) & -(long) cs;
        long lastWhole = end == virtualSize ? end : end & -(long) cs;
        if (firstWhole >= lastWhole) {
            return asData(offset, end);
        }
        CompletableFuture<Void> middle = planner.zeroesClusters() ? clusters(firstWhole, lastWhole, unmap)
                : asData(firstWhole, lastWhole);
        return CompletableFuture.allOf(asData(offset, firstWhole), middle, asData(lastWhole, end));
    }

    /** Zero bytes written as data, 1 MiB at a time, skipped where the guest already reads zeroes. */
    private CompletableFuture<Void> asData(long from, long to) {
        long pos = from;
        try {
            while (pos < to) {
                ByteBuffer zeroes = ReadBuffers.zeroes(to - pos);
                int chunk = zeroes.remaining();
                boolean zero;
                long stamp = lock.readLock();
                try {
                    zero = planner.readsAsZero(pos, chunk);
                } finally {
                    lock.unlockRead(stamp);
                }
                long next = pos + chunk;
                if (!zero) {
                    CompletableFuture<Void> f = dataWrite.write(pos, zeroes);
                    if (!f.isDone() || f.isCompletedExceptionally()) {
                        return f.thenComposeAsync(x -> asData(next, to), continuations);
                    }
                }
                pos = next;
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> clusters(long from, long to, boolean unmap) {
        long pos = from;
        while (pos < to) {
            long chunkEnd = Math.min(to, (pos | (geometry.l2Span() - 1)) + 1);
            CompletableFuture<Void> f = chunk(pos, chunkEnd, unmap);
            if (!f.isDone() || f.isCompletedExceptionally()) {
                long next = chunkEnd;
                return f.thenComposeAsync(x -> clusters(next, to, unmap), continuations);
            }
            pos = chunkEnd;
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> chunk(long from, long to, boolean unmap) {
        ClusterOperation op = newOperation.get();
        try {
            CompletableFuture<Void> busy = linker.plan(op, from, to, () -> planner.plan(op, inFlight, from, to, unmap));
            if (busy != null) {
                return linker.after(busy, () -> chunk(from, to, unmap));
            }
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return linker.runAndLink(op, epochs.enter());
    }
}
