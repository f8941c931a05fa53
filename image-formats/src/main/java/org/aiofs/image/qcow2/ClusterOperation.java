package org.aiofs.image.qcow2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ImageException;
import org.aiofs.image.cache.MetadataCache;

/**
 * One write, zero write or discard from planning to linking: the guest clusters it claims,
 * the table slots it holds pinned, the L2 entries it will set, and the copy-on-write reads
 * and data writes that must complete before them. Planned and linked under the writer's
 * exclusive lock; its I/O runs outside it. Nothing it plans is visible before {@link #link}
 * (a table it made or copied is, and is valid without it), so an operation that fails
 * before linking leaves nothing to take back but its claims, pins and buffers; the clusters
 * it allocated stay counted (a leak at worst).
 */
final class ClusterOperation implements L2Slots.TableCreated {
    private record EntryUpdate(L2Slot slot, long word, long bitmap, boolean freeOld) {
    }

    private final BufferPool buffers;
    private final HostFile imageFile;
    private final OverlapGuard guard;
    /** Completes once the operation is linked or abandoned: what conflicting requests wait for. */
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    /** Completes once its writes are over (whatever their outcome): a new table's first write is among them. */
    private final CompletableFuture<Void> writesOver = new CompletableFuture<>();
    private final List<Long> claimed = new ArrayList<>();
    private final List<EntryUpdate> updates = new ArrayList<>();
    private final List<MetadataCache.Entry<L2Table>> pins = new ArrayList<>();
    private final List<Qcow2Reader.Plan> copies = new ArrayList<>();
    private final List<IoRequest> writes = new ArrayList<>();
    private final List<ByteBuffer> scratch = new ArrayList<>();
    private final DirtyMetadata dirty;
    private boolean reserveTables;
    private long hostEnd;

    /** Failed at a stage: copy-on-write reads (nothing written) or the writes themselves. */
    static final class Failure extends Exception {
        final boolean inWrites;

        Failure(Throwable cause, boolean inWrites) {
            super(cause.getMessage(), cause, false, false);
            this.inWrites = inWrites;
        }
    }

    ClusterOperation(BufferPool buffers, HostFile imageFile, OverlapGuard guard, DirtyMetadata dirty) {
        this.buffers = buffers;
        this.imageFile = imageFile;
        this.guard = guard;
        this.dirty = dirty;
    }

    /**
     * New tables get their first content written with this operation's data, so that their
     * clusters are taken on disk before the commit that writes them whole (a full disk then
     * fails the write that needed the table, not the commit of earlier ones).
     */
    ClusterOperation reservingNewTables() {
        this.reserveTables = true;
        return this;
    }

    @Override
    public void created(MetadataCache.Entry<L2Table> table) throws ImageException {
        if (reserveTables) {
            L2Table t = table.value();
            writes.add(guard.checked(new IoRequest.Write(imageFile, table.offset(), t.encode(0, t.entries())),
                    MetadataMap.Kind.ACTIVE_L2));
            dirty.tableCreated(table, writesOver);
        } else {
            dirty.tableCreated(table, CompletableFuture.completedFuture(null));
        }
    }

    void claim(InFlightClusters inFlight, long guestCluster) {
        inFlight.claim(guestCluster, settled);
        claimed.add(guestCluster);
    }

    /** A slot this operation got pinned: released when it is linked or abandoned. */
    void hold(L2Slot slot) {
        pins.add(slot.table());
    }

    /** Entry {@code slot} (held) becomes {@code word}/{@code bitmap} at linking; {@code freeOld}: its clusters go. */
    void update(L2Slot slot, long word, long bitmap, boolean freeOld) {
        updates.add(new EntryUpdate(slot, word, bitmap, freeOld));
    }

    void copyOnWrite(Qcow2Reader.Plan read) {
        copies.add(read);
    }

    void write(IoRequest request) {
        writes.add(request);
    }

    /** A pooled buffer for this operation's data, given back once it is settled. */
    ByteBuffer scratch(int size) {
        ByteBuffer b = buffers.acquire(size);
        scratch.add(b);
        return b;
    }

    void reachesHost(long end) {
        hostEnd = Math.max(hostEnd, end);
    }

    boolean hasIo() {
        return !copies.isEmpty() || !writes.isEmpty();
    }

    CompletableFuture<Void> settled() {
        return settled;
    }

    /**
     * Copy-on-write reads, then every write (data and new tables' first content) in one
     * batch. Completes normally, or with a {@link Failure} saying at which stage.
     */
    CompletableFuture<Void> runIo(Qcow2Reader reader, IoEngine engine) {
        List<CompletableFuture<Void>> reads = new ArrayList<>(copies.size());
        for (Qcow2Reader.Plan p : copies) {
            reads.add(reader.run(p));
        }
        CompletableFuture<Void> copied = CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new));
        return copied.handle((x, e) -> e).thenCompose(readFailure -> {
            if (readFailure != null) {
                writesOver.complete(null);
                return CompletableFuture.failedFuture(new Failure(readFailure, false));
            }
            if (writes.isEmpty()) {
                writesOver.complete(null);
                return CompletableFuture.completedFuture(null);
            }
            List<CompletableFuture<Long>> results = engine.submitBatch(writes);
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).handle((y, e) -> {
                writesOver.complete(null);
                if (e != null) {
                    throw new CompletionException(new Failure(e, true));
                }
                return null;
            });
        });
    }

    /** Under the exclusive lock: the planned entries take effect, old clusters are queued to be freed. */
    void link(ClusterMap map, InFlightClusters inFlight, boolean external) {
        for (EntryUpdate u : updates) {
            L2Entry old = u.slot().entry();
            u.slot().table().value().set(u.slot().index(), u.word(), u.bitmap());
            dirty.entryChanged(u.slot().table(), u.slot().index());
            if (u.freeOld()) {
                dirty.freeEntry(old, old.kind(external), external);
            }
        }
        if (hostEnd > 0) {
            map.fileGrew(hostEnd);
        }
        dirty.operationLinked();
        abandon(inFlight);
    }

    /** Under the exclusive lock: claims and pins given up, nothing linked. */
    void abandon(InFlightClusters inFlight) {
        claimed.forEach(inFlight::release);
        claimed.clear();
        updates.clear();
        pins.forEach(MetadataCache.Entry::release);
        pins.clear();
    }

    /** After the lock is released: buffers back to the pool, waiters woken. */
    void settle() {
        writesOver.complete(null);
        scratch.forEach(buffers::release);
        scratch.clear();
        settled.complete(null);
    }
}
