package org.aiofs.image.qcow2;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;

import org.aiofs.aio.IoEngine;

/**
 * Carries operations from planning to linking. It plans one under the exclusive lock,
 * unless its clusters are claimed by another or too much waits for a commit (then it says
 * what to wait for); runs its I/O outside the lock; and links it, on the completing thread
 * if the lock is free, else on the writer's own threads, so that an engine's completion
 * thread never blocks on the lock. A failed data write stops every later write (the image
 * is poisoned) after one last commit of what was linked before it.
 */
final class OperationLinker {
    /** Operations whose links may wait for one commit (a guest flush commits at once). */
    static final int MAX_OPERATIONS = 256;

    /** Plans an operation; runs under the exclusive lock. */
    @FunctionalInterface
    interface Planning {
        void plan() throws IOException;
    }

    private final StampedLock lock;
    private final OverlapGuard guard;
    private final InFlightClusters inFlight;
    private final DirtyMetadata dirty;
    private final Refcounts refcounts;
    private final ClusterMap map;
    private final boolean external;
    private final Qcow2Reader reader;
    private final IoEngine engine;
    private final MetadataCommit committer;
    private final HostIoEpochs epochs;
    private final Executor continuations;
    private final long commitAtBytes;
    private final long waitAtBytes;

    /**
     * @param cacheBytes the metadata cache's budget: a commit starts once changed tables and
     *                   blocks hold a quarter of it, and new operations wait at a half
     */
    OperationLinker(StampedLock lock, OverlapGuard guard, InFlightClusters inFlight, DirtyMetadata dirty,
            Refcounts refcounts, ClusterMap map, boolean external, Qcow2Reader reader, IoEngine engine,
            MetadataCommit committer, HostIoEpochs epochs, Executor continuations, long cacheBytes) {
        this.lock = lock;
        this.guard = guard;
        this.inFlight = inFlight;
        this.dirty = dirty;
        this.refcounts = refcounts;
        this.map = map;
        this.external = external;
        this.reader = reader;
        this.engine = engine;
        this.committer = committer;
        this.epochs = epochs;
        this.continuations = continuations;
        this.commitAtBytes = cacheBytes / 4;
        this.waitAtBytes = cacheBytes / 2;
    }

    /**
     * Plans {@code op} under the exclusive lock, unless [from, to) is claimed by another or
     * too much waits for a commit: then what to wait for before trying again (null: planned).
     */
    CompletableFuture<Void> plan(ClusterOperation op, long from, long to, Planning planning) throws IOException {
        long stamp = lock.writeLock();
        boolean planned = false;
        try {
            guard.usable();
            CompletableFuture<Void> busy = inFlight.overlapping(from, to);
            long waiting = bytesAwaitingCommit();
            if (busy == null && waiting > 0 && waiting >= waitAtBytes) {
                busy = committer.request(); // with nothing waiting a commit frees nothing: planning goes on
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

    /** The operation's I/O, then its linking (or its abandonment, if the I/O failed); exits its epoch after. */
    CompletableFuture<Void> runAndLink(ClusterOperation op, int ticket) {
        return op.runIo(reader, engine).handle((x, e) -> e)
                .thenCompose(failure -> link(op, failure))
                .whenComplete((x, e) -> epochs.exit(ticket));
    }

    /** Tries again once {@code busy} completes, on the writer's threads (never an engine's). */
    CompletableFuture<Void> after(CompletableFuture<Void> busy, Supplier<CompletableFuture<Void>> retry) {
        return busy.handle((x, e) -> null).thenComposeAsync(x -> retry.get(), continuations);
    }

    private CompletableFuture<Void> link(ClusterOperation op, Throwable failure) {
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
                commit = dirty.linkedOperations() >= MAX_OPERATIONS || bytesAwaitingCommit() >= commitAtBytes;
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

    /** Changed tables and blocks not yet committed; under the lock. */
    private long bytesAwaitingCommit() {
        return dirty.bytes() + refcounts.dirtyBytes();
    }

    private static Throwable withoutWrappers(Throwable t) {
        Throwable u = t;
        while (u instanceof CompletionException && u.getCause() != null) {
            u = u.getCause();
        }
        return u;
    }
}
