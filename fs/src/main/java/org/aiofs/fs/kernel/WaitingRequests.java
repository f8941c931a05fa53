package org.aiofs.fs.kernel;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Requests read from /dev/fuse ahead of their turn, so that a prompt one (a read, a lookup,
 * a getattr: somebody waits for it) is served before the bulk ones (writes, syncs,
 * allocations) that reached the kernel's queue before it. The kernel hands requests out in
 * the order they came; under a queue of writes (async direct I/O keeps up to max_background
 * of them queued) a 4 KiB read otherwise waits for every write ahead of it. Requests the
 * kernel has sent together are concurrent, so serving them in another order is allowed.
 * A bulk request waits behind prompt ones for {@link #MAX_POSTPONE_NANOS} at most.
 */
final class WaitingRequests {
    /** How long a bulk request may be put off for prompt ones. */
    static final long MAX_POSTPONE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private record Bulk(FuseRequest request, long since) {
    }

    private final ArrayDeque<FuseRequest> prompt = new ArrayDeque<>();
    private final ArrayDeque<Bulk> bulk = new ArrayDeque<>();
    private long servedAhead;

    /** Writes and what is as slow and as unwaited-for as a write. */
    static boolean isBulk(FuseRequest r) {
        int op = r.opcode();
        return op == FuseOpcode.WRITE || op == FuseOpcode.FSYNC || op == FuseOpcode.FALLOCATE;
    }

    /** A request read at {@code readAt} (System.nanoTime), in the order read. */
    synchronized void add(FuseRequest r, long readAt) {
        if (isBulk(r)) {
            bulk.addLast(new Bulk(r, readAt));
        } else {
            prompt.addLast(r);
        }
    }

    /** The request to serve now, or null when none waits. */
    synchronized FuseRequest next(long now) {
        Bulk oldest = bulk.peekFirst();
        if (oldest != null && (prompt.isEmpty() || now - oldest.since() >= MAX_POSTPONE_NANOS)) {
            bulk.pollFirst();
            return oldest.request();
        }
        FuseRequest p = prompt.pollFirst();
        if (p != null && oldest != null) {
            servedAhead++;
        }
        return p;
    }

    /** Prompt requests served before a bulk one that came earlier (for info.json). */
    synchronized long servedAhead() {
        return servedAhead;
    }
}
