package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.ReadBuffers;
import org.aiofs.image.ImageException;

/**
 * Plans guest writes cluster by cluster: in place where the cluster is this image's own
 * (allocated, COPIED) and no metadata changes; else a cluster is chosen (kept, or newly
 * counted), the untouched part of the allocation unit is read for copy-on-write, and the
 * new L2 entry is prepared for linking once the data is written. With extended L2 only
 * the touched subclusters are written; the others keep reading from the backing file. A new
 * cluster past the file's end, under a part of the disk that reads as zeroes (a zero cluster,
 * or nothing mapped where no backing file or only its holes are below), gets only its data
 * written, as QEMU zeroes such a cluster without writing it.
 */
final class WritePlanner {
    private static final long ALL_SUBCLUSTERS = 0xffff_ffffL;

    private final ClusterGeometry geometry;
    private final HostFile dataFile;
    private final boolean external;
    private final L2Slots slots;
    private final Refcounts refcounts;
    private final Qcow2Reader reader;
    private final OverlapGuard guard;
    private final long virtualSize;

    WritePlanner(ClusterGeometry geometry, HostFile dataFile, boolean external, L2Slots slots, Refcounts refcounts,
            Qcow2Reader reader, OverlapGuard guard, long virtualSize) {
        this.geometry = geometry;
        this.dataFile = dataFile;
        this.external = external;
        this.slots = slots;
        this.refcounts = refcounts;
        this.reader = reader;
        this.guard = guard;
        this.virtualSize = virtualSize;
    }

    /**
     * The data writes when every cluster touched is this image's own and needs no metadata
     * change; else null. Under the metadata lock, shared.
     */
    List<IoRequest> inPlace(long offset, ByteBuffer src) throws IOException {
        List<IoRequest> out = new ArrayList<>(2);
        long end = offset + src.remaining();
        long pos = offset;
        while (pos < end) {
            long gc = geometry.clusterStart(pos);
            long ce = Math.min(end, gc + geometry.clusterSize());
            L2Entry e = slots.current(gc);
            if (e == null || e.kind(external) != L2Entry.Kind.NORMAL || !e.copied()
                    || !subclustersAllocated(e, pos - gc, ce - gc)) {
                return null;
            }
            out.add(dataWrite(hostOf(e, L2Entry.Kind.NORMAL, gc) + (pos - gc), slice(src, offset, pos, ce)));
            pos = ce;
        }
        return out;
    }

    private boolean subclustersAllocated(L2Entry e, long from, long to) {
        if (e.bitmap() == null) {
            return true;
        }
        for (int s = geometry.subcluster(from); s <= geometry.subcluster(to - 1); s++) {
            if (e.bitmap().state(s) != SubclusterBitmap.State.ALLOCATED) {
                return false;
            }
        }
        return true;
    }

    /**
     * The clusters that [offset, end) covers only in part and under which the backing file
     * reads as zeroes: were they new, nothing around the write would need copying. Asked
     * before planning, outside the metadata lock: the backing file never changes, but asking
     * may read its tables. A question the backing file cannot answer counts as "not zeroes":
     * the cluster is then copied as usual, and a real read error shows there.
     */
    ZeroBacked zeroBacked(long offset, long end) {
        if (!reader.hasBacking() || external || geometry.extendedL2()) {
            return ZeroBacked.NONE;
        }
        long head = geometry.clusterStart(offset);
        long tail = geometry.clusterStart(end - 1);
        long first = partOverZeroes(head, offset, end) ? head : -1;
        long last = tail != head && partOverZeroes(tail, offset, end) ? tail : -1;
        return first < 0 && last < 0 ? ZeroBacked.NONE : new ZeroBacked(first, last);
    }

    private boolean partOverZeroes(long gc, long offset, long end) {
        int cs = geometry.clusterSize();
        try {
            return (offset > gc || end < gc + cs) && reader.backingReadsZeroes(gc, cs);
        } catch (IOException e) {
            return false;
        }
    }

    /** At most two clusters (a write's first and last) whose backing file reads as zeroes; -1 for none. */
    record ZeroBacked(long first, long last) {
        static final ZeroBacked NONE = new ZeroBacked(-1, -1);

        boolean contains(long gc) {
            return gc == first || gc == last;
        }
    }

    /**
     * Plans the write of {@code src} at {@code offset} into {@code op}. Under the exclusive lock.
     * @param zeroBacked what {@link #zeroBacked} said of this write
     */
    void plan(ClusterOperation op, InFlightClusters inFlight, long offset, ByteBuffer src, ZeroBacked zeroBacked)
            throws IOException {
        long end = offset + src.remaining();
        long pos = offset;
        while (pos < end) {
            long gc = geometry.clusterStart(pos);
            long ce = Math.min(end, gc + geometry.clusterSize());
            planCluster(op, inFlight, gc, pos, ce, slice(src, offset, pos, ce), zeroBacked.contains(gc));
            pos = ce;
        }
    }

    private void planCluster(ClusterOperation op, InFlightClusters inFlight, long gc, long from, long to,
            ByteBuffer data, boolean backingZeroes) throws IOException {
        int cs = geometry.clusterSize();
        L2Entry current = slots.current(gc);
        if (current != null && !geometry.extendedL2() && current.kind(external) == L2Entry.Kind.NORMAL
                && (external || current.copied())) {
            op.write(dataWrite(hostOf(current, L2Entry.Kind.NORMAL, gc) + (from - gc), data)); // its own: in place
            return;
        }
        L2Slot slot = slots.forUpdate(gc, op);
        op.hold(slot);
        op.claim(inFlight, gc);
        L2Entry e = slot.entry();
        L2Entry.Kind kind = e.kind(external);
        boolean keepHost = external || e.copied() && (kind == L2Entry.Kind.NORMAL
                || kind == L2Entry.Kind.ZERO_ALLOCATED);
        long bitmap = e.bitmap() == null ? 0 : e.bitmap().bits();
        long host = keepHost ? hostOf(e, kind, gc) : refcounts.allocate() << geometry.clusterBits();
        long writeFrom;
        long writeTo;
        if (geometry.extendedL2() && (kind == L2Entry.Kind.UNALLOCATED
                || kind == L2Entry.Kind.NORMAL && keepHost)) {
            // only the touched subclusters: the others keep reading from the backing file or as zeroes
            int s0 = geometry.subcluster(from - gc);
            int s1 = geometry.subcluster(to - 1 - gc);
            writeFrom = gc + (long) s0 * geometry.unitSize();
            writeTo = gc + (long) (s1 + 1) * geometry.unitSize();
            long mask = ((1L << (s1 + 1)) - 1) & ~((1L << s0) - 1);
            bitmap = (bitmap | mask) & ~(mask << 32);
            if (!keepHost && !external && s1 < ClusterGeometry.SUBCLUSTERS - 1) {
                reachClusterEnd(op, host);
            }
        } else if (!keepHost && !external && !geometry.extendedL2() && readsAsZeroes(kind, backingZeroes)
                && host >= dataFile.size()) {
            // a new cluster past the file's end, where the disk reads as zeroes: what the write
            // leaves untouched reads as zeroes already (nothing ever wrote there), so only the
            // data is written
            writeFrom = from;
            writeTo = to;
            bitmap = 0;
            if (to < gc + cs) {
                reachClusterEnd(op, host);
            }
        } else {
            writeFrom = gc;
            writeTo = gc + cs;
            bitmap = geometry.extendedL2() ? ALL_SUBCLUSTERS : 0;
        }
        if (from == writeFrom && to == writeTo) {
            op.write(dataWrite(host + (writeFrom - gc), data)); // nothing to copy on write
        } else {
            ByteBuffer unit = op.scratch((int) (writeTo - writeFrom));
            copyAround(op, unit, writeFrom, from, to, writeTo);
            unit.put((int) (from - writeFrom), data, data.position(), data.remaining());
            op.write(dataWrite(host + (writeFrom - gc), unit));
        }
        op.update(slot, host | L2Entry.COPIED, bitmap, !keepHost);
        if (!external) {
            op.reachesHost(host + cs);
        }
    }

    /** Whether a cluster of this kind reads as zeroes (a zero cluster, or nothing but zeroes under it). */
    private boolean readsAsZeroes(L2Entry.Kind kind, boolean backingZeroes) {
        return kind == L2Entry.Kind.ZERO_PLAIN || kind == L2Entry.Kind.ZERO_ALLOCATED
                || kind == L2Entry.Kind.UNALLOCATED && (!reader.hasBacking() || backingZeroes);
    }

    /** The unit's bytes the write leaves untouched, read as the disk shows them now; past its end zeroes. */
    private void copyAround(ClusterOperation op, ByteBuffer unit, long unitFrom, long from, long to, long unitTo)
            throws IOException {
        if (from > unitFrom) {
            op.copyOnWrite(reader.plan(unitFrom, unit.slice(0, (int) (from - unitFrom))));
        }
        long viewEnd = Math.min(unitTo, virtualSize);
        if (viewEnd > to) {
            op.copyOnWrite(reader.plan(to, unit.slice((int) (to - unitFrom), (int) (viewEnd - to))));
        }
        if (unitTo > viewEnd) {
            int zeroFrom = (int) (Math.max(viewEnd, to) - unitFrom);
            ReadBuffers.zero(unit.slice(zeroFrom, unit.limit() - zeroFrom)); // not a reused buffer's bytes
        }
    }

    /** The file must reach the end of a new cluster even where nothing is written yet: its last byte, a zero. */
    private void reachClusterEnd(ClusterOperation op, long host) throws ImageException {
        op.write(dataWrite(host + geometry.clusterSize() - 1, ReadBuffers.zeroes(1)));
    }

    private IoRequest.Write dataWrite(long host, ByteBuffer data) throws ImageException {
        IoRequest.Write w = new IoRequest.Write(dataFile, host, data);
        return external ? w : guard.checked(w, null);
    }

    /**
     * Where a cluster that keeps its place lives. In an external data file that is where its
     * entry says, or (QEMU's rule, no refcounts there) the guest offset itself when it has none.
     */
    private long hostOf(L2Entry e, L2Entry.Kind kind, long gc) throws ImageException {
        long host = e.hostOffset();
        if (external && kind != L2Entry.Kind.NORMAL && kind != L2Entry.Kind.ZERO_ALLOCATED) {
            return gc;
        }
        if ((host & (geometry.clusterSize() - 1)) != 0 || host == 0 && !external) {
            throw guard.corruption("L2 entry for guest offset 0x" + Long.toHexString(gc)
                    + " points to invalid host offset 0x" + Long.toHexString(host));
        }
        return host;
    }

    private static ByteBuffer slice(ByteBuffer src, long base, long from, long to) {
        return src.slice(src.position() + (int) (from - base), (int) (to - from));
    }
}
