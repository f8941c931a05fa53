package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoRequest;
import org.aiofs.image.BlockImage;

/**
 * Plans zero writes and discards of whole clusters. Version 3: the zero flag (all zero
 * bits with extended L2), the host cluster kept when asked to and this image owns it,
 * else freed. Version 2 without a backing file: the cluster is unallocated (it then reads
 * as zeroes). Clusters that already read as zeroes get no table just to say so. With a
 * raw external data file, the data file itself is zeroed too (it is the disk).
 */
final class ZeroPlanner {
    private static final long ALL_ZERO_BITS = 0xffff_ffffL << 32;

    private final ClusterGeometry geometry;
    private final ClusterMap map;
    private final L2Slots slots;
    private final HostFile dataFile;
    private final boolean external;
    private final boolean dataFileRaw;
    private final boolean v3;
    private final BlockImage backing;
    private final long virtualSize;

    ZeroPlanner(ClusterGeometry geometry, ClusterMap map, L2Slots slots, HostFile dataFile, boolean external,
            boolean dataFileRaw, boolean v3, BlockImage backing, long virtualSize) {
        this.geometry = geometry;
        this.map = map;
        this.slots = slots;
        this.dataFile = dataFile;
        this.external = external;
        this.dataFileRaw = dataFileRaw;
        this.v3 = v3;
        this.backing = backing;
        this.virtualSize = virtualSize;
    }

    /** Whole clusters can be zeroed through metadata (else zeroes are written as data). */
    boolean zeroesClusters() {
        return v3 || backing == null;
    }

    /** Plans the whole clusters [from, to) into {@code op}. Under the exclusive lock. */
    void plan(ClusterOperation op, InFlightClusters inFlight, long from, long to, boolean unmap) throws IOException {
        for (long gc = from; gc < to; gc += geometry.clusterSize()) {
            if (v3) {
                planZero(op, inFlight, gc, unmap);
            } else {
                planUnmap(op, gc);
            }
        }
    }

    /** Whether the guest reads zeroes all over [from, from+length) now. */
    boolean readsAsZero(long from, long length) throws IOException {
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

    private void planZero(ClusterOperation op, InFlightClusters inFlight, long gc, boolean unmap) throws IOException {
        int cs = geometry.clusterSize();
        L2Entry current = slots.current(gc);
        L2Entry.Kind was = current == null ? L2Entry.Kind.UNALLOCATED : current.kind(external);
        if ((was == L2Entry.Kind.UNALLOCATED || was == L2Entry.Kind.ZERO_PLAIN) && !(external && dataFileRaw)
                && readsAsZero(gc, Math.min(cs, virtualSize - gc))) {
            return; // nothing to free, nothing to hide
        }
        L2Slot slot = slots.forUpdate(gc, op);
        op.hold(slot);
        op.claim(inFlight, gc);
        L2Entry e = slot.entry();
        L2Entry.Kind kind = e.kind(external);
        boolean extended = geometry.extendedL2();
        if (external && dataFileRaw) {
            op.write(unmap ? new IoRequest.PunchHole(dataFile, gc, cs) : new IoRequest.ZeroRange(dataFile, gc, cs));
        }
        long word;
        boolean free = false;
        switch (kind) {
            case UNALLOCATED, ZERO_PLAIN -> word = extended ? 0 : L2Entry.ZERO;
            case NORMAL, ZERO_ALLOCATED -> {
                if (e.copied() && (!unmap || external)) {
                    long keep = e.word() & (L2Entry.OFFSET_MASK | L2Entry.COPIED);
                    word = extended ? keep : keep | L2Entry.ZERO;
                } else {
                    word = extended ? 0 : L2Entry.ZERO;
                    free = true;
                }
            }
            case COMPRESSED -> {
                word = extended ? 0 : L2Entry.ZERO;
                free = true;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        long bitmap = extended ? ALL_ZERO_BITS : 0;
        if (word != e.word() || extended && bitmap != e.bitmap().bits()) {
            op.update(slot, word, bitmap, free);
        }
    }

    private void planUnmap(ClusterOperation op, long gc) throws IOException {
        L2Entry current = slots.current(gc);
        if (current == null || current.kind(external) == L2Entry.Kind.UNALLOCATED) {
            return;
        }
        L2Slot slot = slots.forUpdate(gc, op);
        op.hold(slot);
        op.update(slot, 0, 0, true);
    }
}
