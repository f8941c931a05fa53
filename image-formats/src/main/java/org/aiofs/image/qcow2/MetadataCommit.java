package org.aiofs.image.qcow2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.StampedLock;

import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;

/**
 * Writes what the linked operations changed in memory, in the order that keeps the image
 * consistent at every instant (steps B and C of {@link Qcow2Writer}):
 * <ol>
 * <li>the changed refcount blocks, new refcount blocks and a moved refcount table, and new
 * L2 tables in full; fdatasync;</li>
 * <li>what makes new refcount structures reachable (refcount table entries, or the header
 * naming a moved table), then fdatasync of the data file and the image;</li>
 * <li>the changed L2 entries and L1 entries: the data they link is durable by now;</li>
 * <li>if clusters were freed: fdatasync, then once no request that looked up the old
 * mapping is in flight, their refcounts drop in memory and the blocks are written.</li>
 * </ol>
 * The metadata lock is held only to take what to write and to drop refcounts; the I/O runs
 * outside it, so guest requests go on meanwhile. One commit runs at a time; a request for
 * a commit while one runs is served by the next one, which starts when it ends.
 */
final class MetadataCommit {
    private final IoEngine engine;
    private final HostFile file;
    private final HostFile dataFile;
    private final StampedLock lock;
    private final DirtyMetadata dirty;
    private final Refcounts refcounts;
    private final long[] l1;
    private final L2Tables tables;
    private final OverlapGuard guard;
    private final HostIoEpochs epochs;
    private final Executor thread;
    /** The newest commit asked for; each one starts when the one before it has ended. */
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    /** A commit asked for whose snapshot is not taken yet: new requests join it. */
    private CompletableFuture<Void> queued;
    /** After a failure only one more commit runs: it links what was written before the failure. */
    private boolean lastAllowed;
    /** A commit that failed: what it had to write is lost, and every later request says so. */
    private Throwable failed;

    MetadataCommit(IoEngine engine, HostFile file, HostFile dataFile, StampedLock lock, DirtyMetadata dirty,
            Refcounts refcounts, long[] l1, L2Tables tables, OverlapGuard guard, HostIoEpochs epochs,
            Executor thread) {
        this.engine = engine;
        this.file = file;
        this.dataFile = dataFile;
        this.lock = lock;
        this.dirty = dirty;
        this.refcounts = refcounts;
        this.l1 = l1;
        this.tables = tables;
        this.guard = guard;
        this.epochs = epochs;
        this.thread = thread;
    }

    /** A commit that takes everything linked before this call; completes when it is written. */
    synchronized CompletableFuture<Void> request() {
        if (failed != null) {
            return CompletableFuture.failedFuture(failed);
        }
        if (queued == null) {
            queued = last.handle((x, e) -> null).thenRunAsync(this::run, thread);
            last = queued;
        }
        return queued;
    }

    /** The last commit after a failure: what was linked before it is still written, then no more. */
    synchronized CompletableFuture<Void> requestLast() {
        lastAllowed = true;
        return request();
    }

    private void run() {
        synchronized (this) {
            queued = null;
        }
        try {
            commit();
        } catch (IOException | RuntimeException e) {
            fail(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        }
    }

    private void fail(Exception e) {
        guard.poison(e);
        synchronized (this) {
            failed = e;
        }
        throw new CompletionException(e);
    }

    private void commit() throws IOException, InterruptedException {
        DirtyMetadata.Snapshot links;
        Refcounts.Writeback counts;
        long w = lock.writeLock();
        try {
            if (guard.broken()) {
                synchronized (this) {
                    if (!lastAllowed) {
                        return;
                    }
                    lastAllowed = false;
                }
            }
            links = dirty.take(l1);
            counts = refcounts.takeWriteback();
        } finally {
            lock.unlockWrite(w);
        }
        try {
            if (!links.isEmpty() || !counts.isEmpty()) {
                Futures.awaitAll(links.firstWrites());
                Futures.awaitAll(engine.submitBatch(orderedWrites(links, counts)));
            }
        } finally {
            links.release();
            counts.release();
        }
        if (!links.frees().isEmpty() || !counts.replacedTables().isEmpty()) {
            dropFreed(links.frees(), counts.replacedTables());
        }
    }

    private List<IoRequest> orderedWrites(DirtyMetadata.Snapshot links, Refcounts.Writeback counts)
            throws IOException {
        List<IoRequest> batch = new ArrayList<>();
        for (IoRequest.Write b : counts.blocks()) {
            batch.add(guard.checked(b, MetadataMap.Kind.REFCOUNT_BLOCK));
        }
        if (counts.movedTable() != null) {
            batch.add(guard.checked(counts.movedTable(), MetadataMap.Kind.REFCOUNT_TABLE));
        }
        for (IoRequest.Write t : links.newTables()) {
            batch.add(guard.checked(t, MetadataMap.Kind.ACTIVE_L2));
        }
        if (!counts.reachability().isEmpty()) {
            batch.add(new IoRequest.Barrier());
            batch.add(new IoRequest.Flush(file, true));
            batch.add(new IoRequest.Barrier());
            for (IoRequest.Write r : counts.reachability()) {
                batch.add(r.position() == Qcow2Header.REFCOUNT_TABLE_FIELDS_AT ? r
                        : guard.checked(r, MetadataMap.Kind.REFCOUNT_TABLE));
            }
        }
        if (!links.l2Links().isEmpty() || links.l1Link() != null) {
            batch.add(new IoRequest.Barrier());
            if (dataFile != file) {
                batch.add(new IoRequest.Flush(dataFile, true));
            }
            batch.add(new IoRequest.Flush(file, true));
            batch.add(new IoRequest.Barrier());
            for (IoRequest.Write l : links.l2Links()) {
                batch.add(guard.checked(l, MetadataMap.Kind.ACTIVE_L2));
            }
            if (links.l1Link() != null) {
                batch.add(guard.checked(links.l1Link(), MetadataMap.Kind.ACTIVE_L1));
            }
        }
        return batch;
    }

    /**
     * Step C: the entries (or the header) that no longer point to these clusters are
     * durable, and nobody reads or writes them any more; then their refcounts drop.
     */
    private void dropFreed(List<long[]> frees, List<long[]> replacedTables) throws IOException, InterruptedException {
        Futures.await(engine.submit(new IoRequest.Flush(file, true)));
        epochs.awaitOlderRequests();
        Refcounts.Writeback drops;
        long w = lock.writeLock();
        try {
            for (long[] f : frees) {
                refcounts.decrement(f[0], f[1], tables::forget);
            }
            for (long[] t : replacedTables) {
                refcounts.dropReplacedTable(t, tables::forget);
            }
            drops = refcounts.takeBlockWrites();
        } finally {
            lock.unlockWrite(w);
        }
        try {
            // blocks only: a new block or table made since step 1 becomes reachable in the next commit
            Futures.awaitAll(engine.submitBatch(orderedWrites(noLinks(), drops)));
        } finally {
            drops.release();
        }
    }

    private static DirtyMetadata.Snapshot noLinks() {
        return new DirtyMetadata.Snapshot(List.of(), List.of(), List.of(), null, List.of(), List.of());
    }
}
