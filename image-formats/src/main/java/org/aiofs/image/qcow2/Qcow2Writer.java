package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.StampedLock;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.BlockStatus;
import org.aiofs.image.ImageException;
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
 * <li>(B) A commit, at the guest's flush or once {@value OperationLinker#MAX_OPERATIONS}
 * operations have linked (or their tables fill a quarter of the cache), writes the
 * refcounts and new tables, fdatasync, the refcount table or header that reaches new
 * refcount structures, fdatasync of data file and image, and then the L2 and L1 entries
 * that link the data.</li>
 * <li>(C) Only after another fdatasync, and once no request that looked up the old mapping
 * is in flight, do the refcounts of what those entries no longer point to drop.</li>
 * </ul>
 * A crash before (B) loses the writes the guest did not flush, and leaks nothing linked on
 * disk. See {@link MetadataCommit}.
 *
 * <p>Concurrency: the metadata lock is held exclusively only to plan an operation (choose
 * clusters, claim the guest clusters whose entries it changes) and to link it; shared only
 * to look up. Copy-on-write reads and data writes run outside it, in parallel across
 * clusters; a read or write that touches a claimed cluster waits for that operation only
 * ({@link InFlightClusters}); see {@link OperationLinker}.
 */
final class Qcow2Writer {
    private final String name;
    private final HostFile file;
    private final HostFile dataFile;
    private final boolean external;
    private final IoEngine engine;
    private final ClusterMap map;
    private final Qcow2Reader reader;
    private final StampedLock lock = new StampedLock();
    private final HeaderFlags flags;
    private final OverlapGuard guard;
    private final DirtyMetadata dirty;
    private final InFlightClusters inFlight;
    private final HostIoEpochs epochs = new HostIoEpochs();
    private final WritePlanner planner;
    private final OperationLinker linker;
    private final ZeroWrites zeroWrites;
    private final MetadataCommit committer;
    private final ExecutorService continuations;
    private final ExecutorService commitThread;
    /** Copy-on-write buffers (a cluster at most), reused: a small write into a new cluster needs one. */
    private final BufferPool cowBuffers;
    private final RequestsInFlight requests = new RequestsInFlight();
    /** Operations a finished flush covered (see DirtyMetadata.linkedTotal): what a failed close can lose is the rest. */
    private long flushedOperations;

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
        ClusterGeometry geometry = map.geometry();
        this.flags = new HeaderFlags(file, engine, header);
        this.guard = new OverlapGuard(name, meta, flags, geometry.clusterSize());
        Refcounts refcounts = new Refcounts(name, file, new MetadataReader(file, engine, name), meta, header, cache);
        refcounts.checkWith(guard::verifyFree);
        this.dirty = new DirtyMetadata(file, header.l1TableOffset(), geometry.clusterBits());
        this.inFlight = new InFlightClusters(geometry);
        L2Slots slots = new L2Slots(name, geometry, map.l1Table(), map.tables(), refcounts, meta, dirty, guard);
        this.planner = new WritePlanner(geometry, dataFile, external, slots, refcounts, reader, guard, virtualSize);
        String threads = "aiofs-qcow2-" + (file.isRemote() ? "nbd" : file.path().getFileName());
        this.continuations = WriterThreads.pool(threads, 4);
        this.commitThread = WriterThreads.pool(threads + "-commit", 1);
        this.committer = new MetadataCommit(engine, file, dataFile, lock, dirty, refcounts, map.l1Table(),
                map.tables(), guard, epochs, commitThread);
        this.linker = new OperationLinker(lock, guard, inFlight, dirty, refcounts, map, external, reader, engine,
                committer, epochs, continuations, cache.budgetBytes());
        this.cowBuffers = new BufferPool(geometry.clusterSize(), 4096, 16);
        ZeroPlanner zeroes = new ZeroPlanner(geometry, map, slots, dataFile, external, header.dataFileRaw(),
                header.version() >= 3, backing, virtualSize);
        this.zeroWrites = new ZeroWrites(geometry, virtualSize, lock, zeroes, inFlight, linker, epochs,
                continuations, () -> new ClusterOperation(cowBuffers, file, guard, dirty), this::writeAttempt);
    }

    /** The header made ready: see {@link HeaderFlags#openForWriting}. */
    void openForWriting() throws IOException {
        flags.openForWriting(map.header().lazyRefcounts());
    }

    CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return requests.track(() -> readAttempt(offset, dst));
    }

    /** Mapped under the shared lock, unless a cluster of it is being allocated: then after that. */
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
            return linker.after(busy, () -> readAttempt(offset, dst));
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

    CompletableFuture<Void> write(long offset, ByteBuffer src) {
        return requests.track(() -> writeAttempt(offset, src));
    }

    /** In place under the shared lock when no metadata changes; else planned, written, then linked. */
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
            if (inPlace != null) {
                handedOver = true;
                List<CompletableFuture<Long>> results = engine.submitBatch(inPlace);
                return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                        .whenComplete((x, e) -> epochs.exit(ticket));
            }
            if (busy == null) {
                WritePlanner.ZeroBacked zeroBacked = planner.zeroBacked(offset, end);
                ClusterOperation op = new ClusterOperation(cowBuffers, file, guard, dirty).reservingNewTables();
                busy = linker.plan(op, offset, end, () -> planner.plan(op, inFlight, offset, src, zeroBacked));
                if (busy == null) {
                    handedOver = true;
                    return linker.runAndLink(op, ticket);
                }
            }
            return linker.after(busy, () -> writeAttempt(offset, src));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            if (!handedOver) {
                epochs.exit(ticket);
            }
        }
    }

    CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        return requests.track(() -> zeroWrites.writeZeroes(offset, length, unmap));
    }

    /** The links committed, then data file and image file synced, in that order. */
    CompletableFuture<Void> flush() {
        return requests.track(() -> {
            long covers = linkedTotal();
            return committer.request().thenCompose(x -> syncFiles()).thenRun(() -> flushed(covers));
        });
    }

    private long linkedTotal() {
        long stamp = lock.readLock();
        try {
            return dirty.linkedTotal();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** A flush that began when {@code covers} operations were linked made them all durable. */
    private synchronized void flushed(long covers) {
        flushedOperations = Math.max(flushedOperations, covers);
    }

    private synchronized long unflushedOperations(long linked) {
        return linked - flushedOperations;
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

    /** Syncs what was written before writing stopped; why that failed, or null (the report names both). */
    private String syncFailure() {
        try {
            Futures.await(syncFiles());
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /**
     * Once every request is over: everything durable, then the dirty bit cleared (refcounts
     * here are always exact). A close that can't make every acknowledged write durable
     * fails, saying what was lost: the image stays consistent (the links are written only
     * after what they link), but a caller that reported success would lie about the data.
     */
    void close() throws IOException {
        try {
            requests.awaitNone(name);
            long unflushed = unflushedOperations(linkedTotal());
            if (guard.broken()) {
                String syncFailure = syncFailure();
                throw new ImageException(name + ": not closed cleanly: writing stopped after a failure ("
                        + guard.reason() + ")" + (unflushed > 0 ? "; " + unflushed + " write(s) before it that"
                        + " allocated clusters were never flushed and may be lost" : "; writes before it are kept")
                        + (syncFailure == null ? "" : "; the closing sync failed too (" + syncFailure + ")")
                        + "; `aiofs check --repair` reclaims the clusters they leaked", Errno.EIO);
            }
            try {
                Futures.await(committer.request());
                Futures.await(syncFiles());
            } catch (IOException | RuntimeException e) {
                throw new ImageException(name + ": the final flush failed (" + e.getMessage() + "): writes since"
                        + " the last flush may be lost" + (unflushed > 0 ? ", among them " + unflushed + " that"
                        + " allocated clusters" : "") + "; the image is consistent (`aiofs check --repair`"
                        + " reclaims leaked clusters)", Errno.EIO, e);
            }
            flags.clearDirty();
        } finally {
            continuations.shutdown();
            commitThread.shutdown();
        }
    }
}
