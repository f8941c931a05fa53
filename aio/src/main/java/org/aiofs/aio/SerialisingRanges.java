package org.aiofs.aio;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The writes in flight to each O_DIRECT file, by the aligned range they cover, so that a
 * read-modify-write of partial sectors is serialised only against the writes that share
 * its sectors (QEMU's serialising requests): it waits for overlapping writes begun before
 * it, and overlapping writes begun after it wait for it. Plain writes do not wait for
 * each other. Each request waits only for earlier ones, so nothing can wait in a cycle.
 */
final class SerialisingRanges {
    /** One write in flight: [start, end) of its file, and whether it reads what it rewrites. */
    static final class Range {
        private final HostFile file;
        private final long start;
        private final long end;
        private final boolean serialising;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        private Range(HostFile file, long start, long end, boolean serialising) {
            this.file = file;
            this.start = start;
            this.end = end;
            this.serialising = serialising;
        }
    }

    private final Map<HostFile, List<Range>> inFlight = new IdentityHashMap<>();

    /** Registers a write of [start, end); the future completes once it may go ahead. */
    synchronized CompletableFuture<Range> begin(HostFile file, long start, long end, boolean serialising) {
        Range r = new Range(file, start, end, serialising);
        List<Range> ranges = inFlight.computeIfAbsent(file, f -> new ArrayList<>());
        List<CompletableFuture<Void>> waits = null;
        for (Range other : ranges) {
            if ((serialising || other.serialising) && other.start < end && start < other.end) {
                if (waits == null) {
                    waits = new ArrayList<>();
                }
                waits.add(other.done);
            }
        }
        ranges.add(r);
        if (waits == null) {
            return CompletableFuture.completedFuture(r);
        }
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).thenApply(x -> r);
    }

    /** The write is over (whatever its outcome): those waiting for it may go. */
    void end(Range r) {
        synchronized (this) {
            List<Range> ranges = inFlight.get(r.file);
            ranges.remove(r);
            if (ranges.isEmpty()) {
                inFlight.remove(r.file);
            }
        }
        r.done.complete(null);
    }
}
