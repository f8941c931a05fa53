package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.StampedLock;

import org.aiofs.aio.BufferPool;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;

/**
 * Serves guest writes, zero writes and discards of a writable qcow2 image, keeping it
 * consistent at every instant a crash could strike (leaks allowed, corruption never).
 *
 * <p>Ordering (as QEMU's): (A) each operation writes its new refcounts, its guest data
 * with the copy-on-write of untouched parts, and the whole content of new L2 tables, and
 * waits for them; (B) the L2 entries and L1 entries that link them are held in memory
 * (tables pinned) and written together, after an fdatasync, at the next guest flush or
 * once {@value PendingLinks#MAX_OPERATIONS} operations have gathered; (C) only after another
 * fdatasync are the refcounts of what those entries no longer point to dropped. New
 * refcount blocks and tables are flushed before anything points to them (see
 * {@link Refcounts}). A crash before (B) loses unflushed writes and leaks their clusters.
 *
 * <p>Concurrency: writes into clusters that are allocated with COPIED set (and reads)
 * share the lock and run in parallel; anything that changes metadata takes it
 * exclusively and completes its I/O before letting go.
 */
final class Qcow2Writer {
    private static final long ALL_SUBCLUSTERS = 0xffff_ffffL;
    private static final long ALL_ZERO_BITS = 0xffff_ffffL << 32;

    private final String name;
    private final HostFile file;
    private final HostFile dataFile;
    private final boolean external;
    private final boolean dataFileRaw;
    private final IoEngine engine;
    private final ClusterMap map;
    private final Qcow2Reader reader;
    private final Refcounts refcounts;
    private final MetadataMap meta;
    private final BlockImage backing;
    private final Qcow2Header header;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Bits;
    private final boolean extended;
    private final int subclusterSize;
    private final long virtualSize;
    private final StampedLock lock = new StampedLock();
    private final HeaderFlags flags;
    private final OverlapGuard guard;
    private final PendingLinks links;
    /** Copy-on-write buffers (a cluster at most), reused: a small write into a new cluster needs one. */
    private final BufferPool cowBuffers;

    Qcow2Writer(String name, HostFile file, HostFile dataFile, IoEngine engine, ClusterMap map, Qcow2Reader reader,
            Refcounts refcounts, MetadataMap meta, BlockImage backing, Qcow2Header header, long virtualSize) {
        this.name = name;
        this.file = file;
        this.dataFile = dataFile;
        this.external = dataFile != file;
        this.dataFileRaw = header.dataFileRaw();
        this.engine = engine;
        this.map = map;
        this.reader = reader;
        this.refcounts = refcounts;
        this.meta = meta;
        this.backing = backing;
        this.header = header;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = header.l2Bits();
        this.extended = header.extendedL2();
        this.subclusterSize = clusterSize / (extended ? 32 : 1);
        this.virtualSize = virtualSize;
        this.flags = new HeaderFlags(file, engine, header);
        this.guard = new OverlapGuard(name, meta, flags, clusterSize);
        this.cowBuffers = new BufferPool(clusterSize, 4096, 16);
        this.links = new PendingLinks(engine, file, dataFile, map, refcounts, guard, header.l1TableOffset(),
                clusterBits);
        refcounts.checkWith(guard::checked, guard::verifyFree);
    }

    /** The header made ready: see {@link HeaderFlags#openForWriting}. */
    void openForWriting() throws IOException {
        flags.openForWriting(header.lazyRefcounts());
    }

    long readLock() {
        return lock.readLock();
    }

    void unlockRead(long stamp) {
        lock.unlockRead(stamp);
    }

    // ---------------------------------------------------------------- writes

    CompletableFuture<Void> write(long offset, ByteBuffer src) {
        try {
            guard.usable();
        } catch (ImageException e) {
            return CompletableFuture.failedFuture(e);
        }
        long stamp = lock.readLock();
        try {
            List<IoRequest> inPlace = inPlaceWrites(offset, src);
            if (inPlace != null) {
                List<CompletableFuture<Long>> results = engine.submitBatch(inPlace);
                CompletableFuture<Void> all = CompletableFuture.allOf(results.toArray(CompletableFuture[]::new));
                long s = stamp;
                stamp = 0;
                return all.whenComplete((r, e) -> lock.unlockRead(s));
            }
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            if (stamp != 0) {
                lock.unlockRead(stamp);
            }
        }
        long w = lock.writeLock();
        try {
            guard.usable();
            Plan plan = new Plan();
            plan(plan, p -> planWrite(p, offset, src));
            commit(plan);
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlockWrite(w);
        }
    }

    /** The data writes when every cluster touched is allocated, COPIED, and needs no metadata change; else null. */
    private List<IoRequest> inPlaceWrites(long offset, ByteBuffer src) throws IOException {
        List<IoRequest> out = new ArrayList<>();
        long end = offset + src.remaining();
        long pos = offset;
        while (pos < end) {
            long gc = pos & ~((long) clusterSize - 1);
            long ce = Math.min(end, gc + clusterSize);
            Slot slot = lookup(gc);
            if (slot == null) {
                return null;
            }
            L2Entry e = slot.entry();
            if (e.kind(external) != L2Entry.Kind.NORMAL || !e.copied()) {
                return null;
            }
            if (extended) {
                int s0 = (int) ((pos - gc) / subclusterSize);
                int s1 = (int) ((ce - 1 - gc) / subclusterSize);
                for (int s = s0; s <= s1; s++) {
                    if (e.bitmap().state(s) != SubclusterBitmap.State.ALLOCATED) {
                        return null;
                    }
                }
            }
            long host = hostOf(e, L2Entry.Kind.NORMAL, gc);
            out.add(dataWrite(host + (pos - gc), src.slice(src.position() + (int) (pos - offset), (int) (ce - pos))));
            pos = ce;
        }
        return out;
    }

    /** Plans the write of {@code src} at {@code offset} cluster by cluster. Under the exclusive lock. */
    private void planWrite(Plan plan, long offset, ByteBuffer src) throws IOException {
        long end = offset + src.remaining();
        long pos = offset;
        while (pos < end) {
            long gc = pos & ~((long) clusterSize - 1);
            long ce = Math.min(end, gc + clusterSize);
            planClusterWrite(plan, gc, pos, ce, src.slice(src.position() + (int) (pos - offset), (int) (ce - pos)));
            pos = ce;
        }
    }

    private void planClusterWrite(Plan plan, long gc, long from, long to, ByteBuffer data) throws IOException {
        Slot slot = slotForUpdate(plan, gc);
        L2Entry e = slot.entry();
        L2Entry.Kind kind = e.kind(external);
        boolean keepHost = external || e.copied() && (kind == L2Entry.Kind.NORMAL
                || kind == L2Entry.Kind.ZERO_ALLOCATED);
        long bitmap = extended ? e.bitmap().bits() : 0;
        if (!extended && kind == L2Entry.Kind.NORMAL && keepHost) {
            long host = hostOf(e, kind, gc);
            plan.dataA.add(dataWrite(host + (from - gc), data));
            return;
        }
        long host;
        if (keepHost) {
            host = hostOf(e, kind, gc);
        } else {
            host = refcounts.allocate() << clusterBits;
        }
        long writeFrom;
        long writeTo;
        boolean partialUnit = extended && (kind == L2Entry.Kind.UNALLOCATED || kind == L2Entry.Kind.NORMAL && keepHost);
        if (partialUnit) {
            // only the touched subclusters: the others keep reading from the backing file or as zeroes
            int s0 = (int) ((from - gc) / subclusterSize);
            int s1 = (int) ((to - 1 - gc) / subclusterSize);
            writeFrom = gc + (long) s0 * subclusterSize;
            writeTo = gc + (long) (s1 + 1) * subclusterSize;
            long mask = ((1L << (s1 + 1)) - 1) & ~((1L << s0) - 1);
            bitmap = (bitmap | mask) & ~(mask << 32);
            if (!keepHost && !external && s1 < 31) {
                // the file must reach the end of the cluster even where nothing is written yet
                plan.dataA.add(dataWrite(host + clusterSize - 1, ByteBuffer.allocateDirect(1)));
            }
        } else {
            writeFrom = gc;
            writeTo = gc + clusterSize;
            bitmap = extended ? ALL_SUBCLUSTERS : 0;
        }
        if (from == writeFrom && to == writeTo) {
            plan.dataA.add(dataWrite(host + (writeFrom - gc), data)); // nothing to copy on write
        } else {
            ByteBuffer buf = plan.scratch((int) (writeTo - writeFrom));
            long viewEnd = Math.min(writeTo, virtualSize);
            if (viewEnd > writeFrom) {
                Futures.await(reader.read(writeFrom, buf.slice(0, (int) (viewEnd - writeFrom))));
            }
            zeroFrom(buf, (int) Math.max(0, viewEnd - writeFrom)); // past the disk's end: zeroes, not a reused buffer's bytes
            buf.put((int) (from - writeFrom), data, data.position(), data.remaining());
            plan.dataA.add(dataWrite(host + (writeFrom - gc), buf));
        }
        if (!keepHost) {
            plan.free(e, kind);
        }
        long word = host | L2Entry.COPIED;
        plan.setEntry(slot, word, bitmap);
    }

    // ---------------------------------------------------------------- zeroes and discards

    CompletableFuture<Void> writeZeroes(long offset, long length, boolean unmap) {
        long w = lock.writeLock();
        try {
            guard.usable();
            long end = offset + length;
            long firstWhole = (offset + clusterSize - 1) & ~((long) clusterSize - 1);
            long lastWhole = end == virtualSize ? end : end & ~((long) clusterSize - 1);
            if (firstWhole >= lastWhole) {
                zeroPartial(offset, end);
                return CompletableFuture.completedFuture(null);
            }
            zeroPartial(offset, firstWhole);
            zeroPartial(Math.max(lastWhole, firstWhole), end);
            if (header.version() >= 3 || backing == null) {
                boolean v3 = header.version() >= 3;
                Plan plan = new Plan();
                long tableSpan = 1L << (clusterBits + l2Bits);
                for (long gc = firstWhole; gc < lastWhole; gc += clusterSize) {
                    long cluster = gc;
                    plan(plan, p -> {
                        if (v3) {
                            planZeroCluster(p, cluster, unmap);
                        } else {
                            planUnmapCluster(p, cluster);
                        }
                    });
                    if (((gc + clusterSize) & (tableSpan - 1)) == 0
                            && links.pinnedTables() + plan.newTables.size() >= PendingLinks.MAX_TABLES) {
                        // a huge range: commit table by table instead of pinning them all
                        commit(plan);
                        links.commit();
                        plan = new Plan();
                    }
                }
                commit(plan);
            } else {
                zeroPartial(firstWhole, lastWhole);
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlockWrite(w);
        }
    }

    /** Zero bytes written as data, skipped where the guest already reads zeroes. */
    private void zeroPartial(long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            long chunk = Math.min(to - pos, 1L << 20);
            if (!readsAsZero(pos, chunk)) {
                Plan plan = new Plan();
                long at = pos;
                plan(plan, p -> planWrite(p, at, ByteBuffer.allocateDirect((int) chunk)));
                commit(plan);
            }
            pos += chunk;
        }
    }

    private boolean readsAsZero(long from, long length) throws IOException {
        long pos = from;
        long end = from + length;
        while (pos < end) {
            Mapping m = map.lookup(pos, end - pos);
            boolean zero = m.kind() == Mapping.Kind.ZERO
                    || m.kind() == Mapping.Kind.BACKING && (backing == null || pos >= backing.size());
            if (!zero) {
                return false;
            }
            pos = m.guestEnd();
        }
        return true;
    }

    /** v3: the zero flag (or all zero bits with extended L2); the host cluster freed when allowed. */
    private void planZeroCluster(Plan plan, long gc, boolean unmap) throws IOException {
        Slot current = lookup(gc);
        L2Entry.Kind was = current == null ? L2Entry.Kind.UNALLOCATED : current.entry().kind(external);
        if ((was == L2Entry.Kind.UNALLOCATED || was == L2Entry.Kind.ZERO_PLAIN) && !(external && dataFileRaw)
                && readsAsZero(gc, Math.min(clusterSize, virtualSize - gc))) {
            return; // nothing to free, nothing to hide: no L2 table is made just to say "zero"
        }
        Slot slot = slotForUpdate(plan, gc);
        L2Entry e = slot.entry();
        L2Entry.Kind kind = e.kind(external);
        if (external && dataFileRaw) {
            plan.dataA.add(unmap ? new IoRequest.PunchHole(dataFile, gc, clusterSize)
                    : new IoRequest.ZeroRange(dataFile, gc, clusterSize));
        }
        long word;
        switch (kind) {
            case UNALLOCATED, ZERO_PLAIN -> word = extended ? 0 : L2Entry.ZERO;
            case NORMAL, ZERO_ALLOCATED -> {
                if (e.copied() && (!unmap || external)) {
                    long keep = e.word() & (L2Entry.OFFSET_MASK | L2Entry.COPIED);
                    word = extended ? keep : keep | L2Entry.ZERO;
                } else {
                    word = extended ? 0 : L2Entry.ZERO;
                    plan.free(e, kind);
                }
            }
            case COMPRESSED -> {
                word = extended ? 0 : L2Entry.ZERO;
                plan.free(e, kind);
            }
            default -> throw new IllegalStateException();
        }
        long bitmap = extended ? ALL_ZERO_BITS : 0;
        if (word != e.word() || extended && bitmap != e.bitmap().bits()) {
            plan.setEntry(slot, word, bitmap);
        }
    }

    /** v2 without a backing file: an unallocated cluster reads as zeroes. */
    private void planUnmapCluster(Plan plan, long gc) throws IOException {
        Slot current = lookup(gc);
        if (current == null || current.entry().kind(external) == L2Entry.Kind.UNALLOCATED) {
            return;
        }
        Slot slot = slotForUpdate(plan, gc);
        L2Entry e = slot.entry();
        L2Entry.Kind kind = e.kind(external);
        if (kind == L2Entry.Kind.UNALLOCATED) {
            return;
        }
        plan.free(e, kind);
        plan.setEntry(slot, 0, 0);
    }

    // ---------------------------------------------------------------- tables

    private record Slot(long tableOffset, L2Table table, int index) {
        L2Entry entry() {
            return table.entry(index);
        }
    }

    /** The L2 slot of a guest cluster, or null when it has no L2 table. */
    private Slot lookup(long gc) throws IOException {
        long[] l1 = map.l1Table();
        long l1Index = gc >>> (clusterBits + l2Bits);
        if (l1Index >= l1.length) {
            throw new ImageException(name + ": guest offset 0x" + Long.toHexString(gc) + " lies beyond the L1 table",
                    ImageException.EIO);
        }
        long l2Offset = l1[(int) l1Index] & L2Entry.OFFSET_MASK;
        if (l2Offset == 0) {
            return null;
        }
        return new Slot(l2Offset, map.cache().get(l2Offset), l2Index(gc));
    }

    private int l2Index(long gc) {
        return (int) ((gc >>> clusterBits) & ((1L << l2Bits) - 1));
    }

    /** The slot in an L2 table this image owns alone: a new table if none, a copy if shared with a snapshot. */
    private Slot slotForUpdate(Plan plan, long gc) throws IOException {
        long[] l1 = map.l1Table();
        int l1Index = (int) (gc >>> (clusterBits + l2Bits));
        long l1e = l1[l1Index];
        long l2Offset = l1e & L2Entry.OFFSET_MASK;
        if (l2Offset != 0 && (l1e & L2Entry.COPIED) != 0) {
            if (meta.overlap(l2Offset, clusterSize, MetadataMap.Kind.ACTIVE_L2) != null) {
                throw corruption("L1 entry " + l1Index + " points to an L2 table at 0x" + Long.toHexString(l2Offset)
                        + " that overlaps other metadata");
            }
            return new Slot(l2Offset, map.cache().get(l2Offset), l2Index(gc));
        }
        L2Table table;
        if (l2Offset == 0) {
            table = L2Table.empty(clusterSize, extended);
        } else {
            table = map.cache().get(l2Offset).copy();
            links.free(l2Offset, clusterSize);
            meta.remove(l2Offset, clusterSize);
        }
        long newOffset = refcounts.allocate() << clusterBits;
        map.cache().putPinned(newOffset, table);
        meta.add(newOffset, clusterSize, MetadataMap.Kind.ACTIVE_L2);
        l1[l1Index] = newOffset | L2Entry.COPIED;
        long sharedOffset = l2Offset;
        plan.onUndo(() -> {
            l1[l1Index] = l1e;
            meta.remove(newOffset, clusterSize);
            if (sharedOffset != 0) {
                meta.add(sharedOffset, clusterSize, MetadataMap.Kind.ACTIVE_L2);
            }
        });
        plan.newTables.put(newOffset, table);
        links.l1Changed(l1Index);
        return new Slot(newOffset, table, l2Index(gc));
    }

    // ---------------------------------------------------------------- commit

    /**
     * What one operation writes before anything may point to it: step (A). It also records how
     * to take back its in-memory changes (entries, L1 slots, metadata ranges, queued frees), so
     * that an operation that fails half-way leaves nothing behind that could be linked later.
     */
    private final class Plan {
        final List<IoRequest> dataA = new ArrayList<>();
        final Map<Long, L2Table> newTables = new TreeMap<>();
        private final List<Runnable> undo = new ArrayList<>();
        private final List<ByteBuffer> scratch = new ArrayList<>();
        private final int freesBefore = links.freesQueued();

        void setEntry(Slot slot, long word, long bitmap) {
            L2Entry old = slot.table().entry(slot.index());
            long oldBitmap = old.bitmap() == null ? 0 : old.bitmap().bits();
            undo.add(() -> slot.table().set(slot.index(), old.word(), oldBitmap));
            slot.table().set(slot.index(), word, bitmap);
            if (!newTables.containsKey(slot.tableOffset())) {
                links.entryChanged(slot.tableOffset(), slot.table(), slot.index());
            }
        }

        void free(L2Entry e, L2Entry.Kind kind) {
            links.freeEntry(e, kind, external);
        }

        /** A pooled buffer for this operation's data, given back once its I/O is over. */
        ByteBuffer scratch(int size) {
            ByteBuffer b = cowBuffers.acquire(size);
            scratch.add(b);
            return b;
        }

        void releaseScratch() {
            scratch.forEach(cowBuffers::release);
            scratch.clear();
        }

        void onUndo(Runnable action) {
            undo.add(action);
        }

        /** The operation never happened, in memory; clusters it allocated stay counted (a leak at worst). */
        void rollBack() {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            links.dropFreesAfter(freesBefore);
            releaseScratch();
        }
    }

    private interface Planner {
        void plan(Plan plan) throws IOException;
    }

    /** Plans one operation; if planning fails half-way, its in-memory changes are taken back. */
    private void plan(Plan plan, Planner planner) throws IOException {
        try {
            planner.plan(plan);
        } catch (IOException | RuntimeException e) {
            plan.rollBack();
            throw e;
        }
    }

    /** Step (A) of one operation, awaited; its links join the pending ones, committed when enough have gathered. */
    private void commit(Plan plan) throws IOException {
        try {
            List<IoRequest> batch = new ArrayList<>();
            for (IoRequest.Write w : refcounts.dirtyWrites()) {
                batch.add(checked(w, MetadataMap.Kind.REFCOUNT_BLOCK));
            }
            batch.addAll(plan.dataA);
            for (Map.Entry<Long, L2Table> t : plan.newTables.entrySet()) {
                batch.add(checked(new IoRequest.Write(file, t.getKey(), t.getValue().encode(0, t.getValue().entries())),
                        MetadataMap.Kind.ACTIVE_L2));
            }
            try {
                PendingLinks.awaitAll(engine.submitBatch(batch));
            } finally {
                plan.releaseScratch();
            }
            map.fileGrew(file.size());
        } catch (IOException | RuntimeException e) {
            // This operation is taken back; the ones before it wrote their step (A) in full,
            // so they are still linked (a full disk must not lose what was written before it).
            plan.rollBack();
            try {
                links.commit();
            } catch (IOException | RuntimeException linking) {
                e.addSuppressed(linking);
            }
            guard.poison(e);
            throw e;
        }
        if (links.operationDone()) {
            links.commit();
        }
    }

    private static void zeroFrom(ByteBuffer b, int from) {
        for (int i = from; i < b.limit(); i++) {
            b.put(i, (byte) 0);
        }
    }

    private IoRequest.Write dataWrite(long host, ByteBuffer data) throws ImageException {
        IoRequest.Write w = new IoRequest.Write(dataFile, host, data);
        return external ? w : checked(w, null);
    }

    /**
     * Where a cluster that keeps its place lives. In an external data file that is where its
     * entry says, or (QEMU's rule, no refcounts there) the guest offset itself when it has none.
     */
    private long hostOf(L2Entry e, L2Entry.Kind kind, long gc) throws ImageException {
        if (!external) {
            return checkedHost(e, gc);
        }
        if (kind != L2Entry.Kind.NORMAL && kind != L2Entry.Kind.ZERO_ALLOCATED) {
            return gc;
        }
        long host = e.hostOffset();
        if ((host & (clusterSize - 1)) != 0) {
            throw corruption("L2 entry for guest offset 0x" + Long.toHexString(gc) + " points to unaligned data file"
                    + " offset 0x" + Long.toHexString(host));
        }
        return host;
    }

    private long checkedHost(L2Entry e, long gc) throws ImageException {
        long host = e.hostOffset();
        if ((host & (clusterSize - 1)) != 0 || host == 0) {
            throw corruption("L2 entry for guest offset 0x" + Long.toHexString(gc) + " points to invalid host offset 0x"
                    + Long.toHexString(host));
        }
        return host;
    }

    private IoRequest.Write checked(IoRequest.Write w, MetadataMap.Kind allowed) throws ImageException {
        return guard.checked(w, allowed);
    }

    private ImageException corruption(String what) {
        return guard.corruption(what);
    }

    // ---------------------------------------------------------------- flush and close

    /** The pending links committed, then data file and image file synced, in that order. */
    CompletableFuture<Void> flush() {
        long w = lock.writeLock();
        try {
            if (!guard.broken()) {
                links.commit();
            }
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            lock.unlockWrite(w);
        }
        return syncFiles();
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

    /**
     * Everything durable, then the dirty bit cleared (refcounts here are always exact). A
     * close that can't make every acknowledged write durable fails, saying what was lost: the
     * image stays consistent (the links are written only after what they link), but a caller
     * that reported success would lie about the data.
     */
    void close() throws IOException {
        long w = lock.writeLock();
        try {
            int unlinked = links.pendingOperations();
            if (guard.broken()) {
                Futures.await(syncFiles());
                throw new ImageException(name + ": not closed cleanly: writing stopped after a failure ("
                        + guard.reason() + ")" + (unlinked > 0 ? "; the last " + unlinked + " write(s) before it,"
                        + " never flushed, are lost" : "; writes before it are kept") + "; `aiofs check --repair`"
                        + " reclaims the clusters they leaked", ImageException.EIO);
            }
            try {
                links.commit();
                Futures.await(syncFiles());
            } catch (IOException | RuntimeException e) {
                throw new ImageException(name + ": the final flush failed (" + e.getMessage() + "): writes since"
                        + " the last flush may be lost" + (unlinked > 0 ? ", and the last " + unlinked + " that"
                        + " allocated clusters are" : "") + "; the image is consistent (`aiofs check --repair`"
                        + " reclaims leaked clusters)", ImageException.EIO, e);
            }
            flags.clearDirty();
        } finally {
            lock.unlockWrite(w);
        }
    }
}
