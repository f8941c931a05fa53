package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.image.ImageException;
import org.aiofs.image.cache.MetadataCache;

/**
 * The writer's access to the active L2 tables: an entry as it stands, and a slot the image
 * owns alone to change it in. A part of the disk without a table gets a new one; a table
 * shared with a snapshot (its L1 entry lacks COPIED) is copied first, and the shared one
 * loses the active L1's reference once the new L1 entry is durable. Either way the L1
 * entry points to the new table at once in memory. Used under the writer's metadata lock.
 */
final class L2Slots {
    /** Told of a table made in memory, so that its first content is written before anything needs it. */
    @FunctionalInterface
    interface TableCreated {
        void created(MetadataCache.Entry<L2Table> table) throws ImageException;
    }

    private final String image;
    private final ClusterGeometry geometry;
    private final long[] l1;
    private final L2Tables tables;
    private final Refcounts refcounts;
    private final MetadataMap meta;
    private final DirtyMetadata dirty;
    private final OverlapGuard guard;

    L2Slots(String image, ClusterGeometry geometry, long[] l1, L2Tables tables, Refcounts refcounts, MetadataMap meta,
            DirtyMetadata dirty, OverlapGuard guard) {
        this.image = image;
        this.geometry = geometry;
        this.l1 = l1;
        this.tables = tables;
        this.refcounts = refcounts;
        this.meta = meta;
        this.dirty = dirty;
        this.guard = guard;
    }

    /** The entry of guest cluster {@code gc} as it stands, or null when no L2 table maps it. */
    L2Entry current(long gc) throws IOException {
        long l2Offset = l1[l1Index(gc)] & L2Entry.OFFSET_MASK;
        return l2Offset == 0 ? null : tables.entry(l2Offset, geometry.l2Index(gc));
    }

    /** A pinned slot for {@code gc} in a table this image owns alone (made or copied when needed). */
    L2Slot forUpdate(long gc, TableCreated onCreate) throws IOException {
        int l1Index = l1Index(gc);
        long l1e = l1[l1Index];
        long l2Offset = l1e & L2Entry.OFFSET_MASK;
        if (l2Offset != 0 && (l1e & L2Entry.COPIED) != 0) {
            if (meta.overlap(l2Offset, geometry.clusterSize(), MetadataMap.Kind.ACTIVE_L2) != null) {
                throw guard.corruption("L1 entry " + l1Index + " points to an L2 table at 0x"
                        + Long.toHexString(l2Offset) + " that overlaps other metadata");
            }
            return new L2Slot(tables.acquire(l2Offset), geometry.l2Index(gc));
        }
        L2Table table;
        if (l2Offset == 0) {
            table = L2Table.empty(geometry.clusterSize(), geometry.extendedL2());
        } else {
            MetadataCache.Entry<L2Table> shared = tables.acquire(l2Offset);
            try {
                table = shared.value().copy();
            } finally {
                shared.release();
            }
            dirty.free(l2Offset, geometry.clusterSize());
            meta.remove(l2Offset, geometry.clusterSize());
        }
        long newOffset = refcounts.allocate() << geometry.clusterBits();
        MetadataCache.Entry<L2Table> entry = tables.insertNew(newOffset, table);
        meta.add(newOffset, geometry.clusterSize(), MetadataMap.Kind.ACTIVE_L2);
        l1[l1Index] = newOffset | L2Entry.COPIED;
        dirty.l1Changed(l1Index);
        onCreate.created(entry);
        return new L2Slot(entry, geometry.l2Index(gc));
    }

    private int l1Index(long gc) throws ImageException {
        long index = geometry.l1Index(gc);
        if (index >= l1.length) {
            throw ImageException.corrupt(image, "guest offset 0x" + Long.toHexString(gc) + " lies beyond the L1 table");
        }
        return (int) index;
    }
}
