package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.cache.MetadataCache;

/**
 * Serves reads, writes, zero writes and discards of a writable qcow2 image, keeping it
 * consistent at every instant a crash could strike (leaks allowed, corruption never).
 *
 * <p>Ordering (as QEMU's):
 * <ul>
 * <li>(A) An operation chooses its clusters and counts them (in memory), writes its guest
 * data with the copy-on-write of the untouched parts, and waits for it; only then are its
 * L2 entries changed, in memory ("linked").</li>
 * <li>(B) A commit, at the guest's flush or once {@value #MAX_OPERATIONS} operations have
 * linked (or their tables fill a quarter of the cache), writes the refcounts and new
 * tables, fdatasync, the refcount table or header that reaches new refcount structures,
 * fdatasync of data file and image, and then the L2 and L1 entries that link the data.</li>
 * <li>(C) Only after another fdatasync, and once no request that looked up the old mapping
 * is in flight, do the refcounts of what those entries no longer point to drop.</li>
 * </ul>
 * A crash before (B) loses unflushed writes and leaks nothing that was linked on disk.
 * See {@link MetadataCommit}.
 *
 * <p>Concurrency: the metadata lock is held exclusively only to plan an operation (choose
 * clusters, claim the guest clusters it changes) and to link it; shared only to look up.
 * Copy-on-write reads and data writes run outside it, in parallel across clusters. A read
 * or write that touches a claimed cluster waits for that operation only ({@link
 * InFlightClusters}). Work that may block on the lock never runs on an engine's completion
 * thread: it goes to this writer's own threads.
 */
final class Qcow2Writer {
    /** Operations whose links may wait for one commit (a guest flush commits at once). */
    static final int MAX_OPERATIONS = 256;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final String name;
    private final HostFile file;
    private final HostFile dataFile;
    private final boolean external;
    private final IoEngine engine;
    private final ClusterMap map;
    private final Qcow2Reader reader;
    private final ClusterGeometry geometry;
    private final StampedLock lock = new StampedLock();
    private final HeaderFlags flags;
    private final OverlapGuard guard;
    private final DirtyMetadata dirty;
    private final Refcounts refcounts;
    private final InFlightClusters inFlight;
    private final HostIoEpochs epochs = new HostIoEpochs();
    private final WritePlanner planner;
    private final ZeroPlanner zeroes;
    private final MetadataCommit committer;
    private final ExecutorService continuations;
    private final ExecutorService commitThread;
    /** Copy-on-write buffers (a cluster at most), reused: a small write into a new cluster needs one. */
    private final BufferPool cowBuffers;
    private final long commitAtBytes;
    private final long waitAtBytes;
    private final AtomicInteger inProgress = new AtomicInteger();

    Qcow2Writer(String name, HostFile file, HostFile dataFile, IoEngine engine, ClusterMap map, Qcow2Reader reader,
            MetadataMap meta, BlockImage backing, Qcow2Header header, long virtualSize, MetadataCache cache)
            throws IOException {
        this.name = name;
        this.file = file;
        this.dataFile = dataFile;
        this.external = dataFile != file;
        this.engine = engine;
        this.map = map;
        this.reader = reader;
        this.geometry = map.geometry();
        this.flags = new HeaderFlags(file, engine, header);
        this.guard = new OverlapGuard(name, meta, flags, geometry.clusterSize());
        this.refcounts = new Refcounts(name, file, new MetadataReader(file, engine, name), meta, header, cache);
        refcounts.checkWith(guard::verifyFree);
        this.dirty = new DirtyMetadata(file, header.l1TableOffset(), geometry.clusterBits());
        this.inFlight = new InFlightClusters(geometry);
        L2Slots slots = new L2Slots(name, geometry, map.l1Table(), map.tables(), refcounts, meta, dirty, guard);
        this.planner = new WritePlanner(geometry, dataFile, external, slots, refcounts, reader, guard, virtualSize);
        this.zeroes = new ZeroPlanner(geometry, map, slots, dataFile, external, header.dataFileRaw(),
                header.version() >= 3, backing, virtualSize);
        this.continuations = WriterThreads.pool("aiofs-qcow2-" + file.path().getFileName(), 4);
        this.commitThread = WriterThreads.pool("aiofs-qcow2-commit-" + file.path().getFileName(), 1);
        this.committer = new MetadataCommit(engine, file, dataFile, lock, dirty, refcounts, map.l1Table(),
                map.tables(), guard, epochs, commitThread);
        this.cowBuffers = new BufferPool(geometry.clusterSize(), 4096, 16);
        this.commitAtBytes = cache.budgetBytes() / 4;
        this.waitAtBytes = cache.budgetBytes() / 2;
    }

    /** The header made ready: see {@link HeaderFlags#openForWriting}. */
    void openForWriting() throws IOException {
        flags.openForWriting(map.header().lazyRefcounts());
    }

    // ---------------------------------------------------------------- reads

    CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return tracked(() -> readAttempt(offset, dst));
    }

    private CompletableFuture<Void> readAttempt(long offset, ByteBuffer dst) {
        int ticket = epochs.enter();
        Qcow2Reader.Plan plan = null;
        CompletableFuture<Void> busy;
        long stamp = lock.readLock();
        try {
            busy = inFlight.overlapping(offset, offset + dst.remaining());
            if (busy == null) {
                plan = reader.plan(offset, dst);
            }
        } catch (IOException | RuntimeException e) {
            epochs.exit(ticket);
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlockRead(stamp);
        }
        if (busy != null) {
            epochs.exit(ticket);
            return after(busy, () -> readAttempt(offset, dst));
        }
        return reader.run(plan).whenComplete((x, e) -> epochs.exit(ticket));
    }

    BlockStatus blockStatus(long offset, long length) throws IOException {
        long stamp = lock.readLock();
        try {
            return reader.blockStatus(offset, length);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    // ---------------------------------------------------------------- writes

    CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return tracked(() -> writeAttempt(offset, src));
    }

    private CompletableFuture<Void> writeAttempt(long offset, ByteBuffer src) {
        long end = offset + src.remaining();
        int ticket = epochs.enter();
        boolean handedOver = false;
        try {
            guard.usable();
            List<IoRequest> inPlace;
            CompletableFuture<Void> busy;
            long stamp = lock.readLock();
            try {
                busy = inFlight.overlapping(offset, end);
                inPlace = busy == null ? planner.inPlace(offset, src) : null;
            } finally {
                lock.unlockRead(stamp);
            }
            if (busy == null && inPlace != null) {
                handedOver = true;
                List<CompletableFuture<Long>> results = engine.submitBatch(inPlace);
                return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                        .whenComplete((x, e) -> epochs.exit(ticket));
            }
            ClusterOperation op = new ClusterOperation(cowBuffers, file, guard, dirty).reservingNewTables();
            busy = planExclusively(op, offset, end, () -> planner.plan(op, inFlight, offset, src));
            if (busy != null) {
                return after(busy, () -> writeAttempt(offset, src));
            }
            handedOver = true;
            return runAndLink(op, ticket);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            if (!handedOver) {
                epochs.exit(ticket);
            }
        }
    }

    private interface Planning {
        void plan() throws IOException;
    }

    /**
     * Plans an operation under the exclusive lock, unless [from, to) is claimed by another or
     * too much waits for a commit: then what to wait for before trying again.
     */
    private CompletableFuture<Void> planExclusively(ClusterOperation op, long from, long to, Planning planning)
            throws IOException {
        long stamp = lock.writeLock();
        boolean planned = false;
        try {
            guard.usable();
            CompletableFuture<Void> busy = inFlight.overlapping(from, to);
            if (busy == null && dirty.bytes() + refcounts.dirtyBytes() >= waitAtBytes) {
                busy = committer.request();
            }
            if (busy != null) {
                return busy;
            }
            planning.plan();
            planned = true;
            return null;
        } finally {
            if (!planned) {
                op.abandon(inFlight);
            }
            lock.unlockWrite(stamp);
            if (!planned) {
                op.settle();
            }
        }
    }

    /** The operation's I/O, then its linking (or its abandonment, if the I/O failed). */
    private CompletableFuture<Void> runAndLink(ClusterOperation op, int ticket) {
        return op.runIo(reader, engine).handle((x, e) -> e)
                .thenCompose(failure -> finish(op, failure))
                .whenComplete((x, e) -> epochs.exit(ticket));
    }

    /** Links (or abandons) under the exclusive lock: at once if it is free, else on this writer's threads. */
    private CompletableFuture<Void> finish(ClusterOperation op, Throwable failure) {
        long stamp = lock.tryWriteLock();
        if (stamp != 0) {
            return settle(op, failure, stamp);
        }
        return CompletableFuture.supplyAsync(lock::writeLock, continuations)
                .thenCompose(s -> settle(op, failure, s));
    }

    private CompletableFuture<Void> settle(ClusterOperation op, Throwable failure, long stamp) {
        Throwable stage = withoutWrappers(failure);
        boolean writeFailed = stage instanceof ClusterOperation.Failure f && f.inWrites;
        Throwable outcome = stage instanceof ClusterOperation.Failure ? withoutWrappers(stage.getCause()) : stage;
        boolean commit = false;
        try {
            if (outcome == null) {
                guard.usable(); // after an earlier failure nothing is linked any more
                op.link(map, inFlight, external);
                commit = dirty.linkedOperations() >= MAX_OPERATIONS
                        || dirty.bytes() + refcounts.dirtyBytes() >= commitAtBytes;
            } else {
                op.abandon(inFlight);
            }
        } catch (IOException | RuntimeException e) {
            op.abandon(inFlight);
            outcome = e;
        } finally {
            lock.unlockWrite(stamp);
        }
        op.settle();
        if (writeFailed) {
            // the operations linked before this one are still written; every later write fails
            guard.poison(outcome);
            committer.requestLast();
        } else if (commit) {
            committer.request();
        }
        return outcome == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(outcome);
    }

    private static Throwable withoutWrappers(Throwable t) {
        Throwable u = t;
        while (u instanceof CompletionException && u.getCause() != null) {
            u = u.getCause();
        }
        return u;
    }

    // ---------------------------------------------------------------- zeroes and discards

    CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        return tracked(() -> {
            int cs = geometry.clusterSize();
            long end = offset + length;
            long firstWhole = (offset + cs - 1) & -(long) cs;
            long lastWhole = end == reader.virtualSize() ? end : end & -(long) cs;
            if (firstWhole >= lastWhole) {
                return zeroAsData(offset, end);
            }
            CompletableFuture<Void> middle = zeroes.zeroesClusters() ? zeroClusters(firstWhole, lastWhole, unmap)
                    : zeroAsData(firstWhole, lastWhole);
            return CompletableFuture.allOf(zeroAsData(offset, firstWhole), middle, zeroAsData(lastWhole, end));
        });
    }

    /** Zero bytes written as data, 1 MiB at a time, skipped where the guest already reads zeroes. */
    private CompletableFuture<Void> zeroAsData(long from, long to) {
        long pos = from;
        try {
            while (pos < to) {
                int chunk = (int) Math.min(to - pos, ZEROES.capacity());
                boolean zero;
                long stamp = lock.readLock();
                try {
                    zero = zeroes.readsAsZero(pos, chunk);
                } finally {
                    lock.unlockRead(stamp);
                }
                long next = pos + chunk;
                if (!zero) {
                    CompletableFuture<Void> f = writeAttempt(pos, ZEROES.slice(0, chunk));
                    if (!f.isDone() || f.isCompletedExceptionally()) {
                        return f.thenComposeAsync(x -> zeroAsData(next, to), continuations);
                    }
                }
                pos = next;
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Whole clusters through metadata, one L2 table's span at a time (a huge range is not planned at once). */
    private CompletableFuture<Void> zeroClusters(long from, long to, boolean unmap) {
        long pos = from;
        while (pos < to) {
            long chunkEnd = Math.min(to, (pos | (geometry.l2Span() - 1)) + 1);
            CompletableFuture<Void> f = zeroChunk(pos, chunkEnd, unmap);
            if (!f.isDone() || f.isCompletedExceptionally()) {
                long next = chunkEnd;
                return f.thenComposeAsync(x -> zeroClusters(next, to, unmap), continuations);
            }
            pos = chunkEnd;
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> zeroChunk(long from, long to, boolean unmap) {
        ClusterOperation op = new ClusterOperation(cowBuffers, file, guard, dirty);
        try {
            CompletableFuture<Void> busy = planExclusively(op, from, to,
                    () -> zeroes.plan(op, inFlight, from, to, unmap));
            if (busy != null) {
                return after(busy, () -> zeroChunk(from, to, unmap));
            }
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return runAndLink(op, epochs.enter());
    }

    // ---------------------------------------------------------------- flush and close

    /** The links committed, then data file and image file synced, in that order. */
    CompletableFuture<Void> flush() {
        return tracked(() -> committer.request().thenCompose(x -> syncFiles()));
    }

    private CompletableFuture<Void> syncFiles() {
        List<IoRequest> batch = new ArrayList<>();
        if (external) {
            batch.add(new IoRequest.Flush(dataFile, false));
            batch.add(new IoRequest.Barrier());
        }
        batch.add(new IoRequest.Flush(file, false));
        List<CompletableFuture<Long>> r = engine.submitBatch(batch);
        return CompletableFuture.allOf(r.toArray(CompletableFuture[]::new));
    }

    /** Once every request is over: everything durable, then the dirty bit cleared (refcounts here are exact). */
    void close() throws IOException {
        try {
            awaitIdle();
            Futures.await(committer.request());
            Futures.await(syncFiles());
            if (!guard.broken()) {
                flags.clearDirty();
            }
        } finally {
            continuations.shutdown();
            commitThread.shutdown();
        }
    }

    // ---------------------------------------------------------------- plumbing

    /** Counts the request in until its future completes (close waits for them). */
    private CompletableFuture<Void> tracked(Supplier<CompletableFuture<Void>> request) {
        inProgress.incrementAndGet();
        CompletableFuture<Void> f;
        try {
            f = request.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((x, e) -> {
            if (inProgress.decrementAndGet() == 0) {
                synchronized (inProgress) {
                    inProgress.notifyAll();
                }
            }
        });
    }

    private void awaitIdle() throws IOException {
        synchronized (inProgress) {
            while (inProgress.get() != 0) {
                try {
                    inProgress.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(name + ": interrupted while waiting for requests in flight", e);
                }
            }
        }
    }

    /** Tries again once {@code busy} completes, on this writer's threads (never an engine's). */
    private CompletableFuture<Void> after(CompletableFuture<Void> busy, Supplier<CompletableFuture<Void>> retry) {
        return busy.handle((x, e) -> null).thenComposeAsync(x -> retry.get(), continuations);
    }
}
