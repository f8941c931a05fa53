package org.aiofs.image.qcow2.check;

import java.nio.ByteBuffer;
import java.util.List;

import org.aiofs.aio.HostIoException;
import org.aiofs.image.qcow2.CompressedCluster;
import org.aiofs.image.qcow2.L2Entry;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.Qcow2Snapshot;

/**
 * Rebuilds the refcount every host cluster should have from the tables that reference it
 * (QEMU's calculate_refcounts): header, active L1 and its L2 tables and data, each
 * snapshot's L1/L2/data, snapshot table, refcount table, bitmaps, refcount blocks.
 * Collects the allocation statistics of the active disk on the way.
 */
final class ReferenceWalk {
    static final long L1_OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** L1 entry bits that must be zero: 56..62 and 0..8. */
    static final long L1_RESERVED = 0x7f00_0000_0000_01ffL;
    private static final long ALL_ALLOCATED = 0xffff_ffffL;

    private final CheckFile file;
    private final Qcow2Header header;
    private final ExpectedRefcounts expected;
    private final CheckTally tally;
    private final int clusterSize;
    private final boolean dataFile;
    private final long fileSize;

    ReferenceWalk(CheckFile file, Qcow2Header header, ExpectedRefcounts expected, CheckTally tally)
            throws HostIoException {
        this.file = file;
        this.header = header;
        this.expected = expected;
        this.tally = tally;
        this.clusterSize = header.clusterSize();
        this.dataFile = header.externalDataFile();
        this.fileSize = file.size();
    }

    void walk(List<Qcow2Snapshot> snapshots, long snapshotTableSize, BitmapReferences bitmaps,
            OnDiskRefcounts refcounts) throws HostIoException {
        count(0, clusterSize);
        checkL1(header.l1TableOffset(), header.l1Size(), true);
        if (dataFile && !snapshots.isEmpty()) {
            tally.corruption("ERROR " + snapshots.size() + " snapshots in image with data file");
        }
        for (Qcow2Snapshot s : snapshots) {
            if ((s.l1TableOffset() & (clusterSize - 1)) != 0) {
                tally.corruption("ERROR snapshot " + s.id() + " (" + s.name() + ") l1_offset=0x"
                        + Long.toHexString(s.l1TableOffset())
                        + ": L1 table is not cluster aligned; snapshot table entry corrupted");
                continue;
            }
            checkL1(s.l1TableOffset(), s.l1Size(), false);
        }
        count(header.snapshotsOffset(), snapshotTableSize);
        count(header.refcountTableOffset(), (long) header.refcountTableClusters() << header.clusterBits());
        if (bitmaps != null) {
            bitmaps.count(this);
        }
        checkRefcountBlocks(refcounts);
    }

    /**
     * One reference to every cluster in [offset, offset+size). A region reaching a whole
     * cluster or more past the end of the file is a corruption and is not counted (as QEMU).
     */
    void count(long offset, long size) {
        if (size <= 0) {
            return;
        }
        if (offset < 0 || offset + size - fileSize >= clusterSize || offset + size < 0) {
            tally.corruption("ERROR: counting reference for region exceeding the end of the file by one cluster or"
                    + " more: offset 0x" + Long.toHexString(offset) + " size 0x" + Long.toHexString(size));
            return;
        }
        long overflow = expected.add(offset, size);
        if (overflow >= 0) {
            tally.corruption("ERROR: overflow cluster offset=0x" + Long.toHexString(overflow << header.clusterBits()));
        }
    }

    CheckTally tally() {
        return tally;
    }

    CheckFile file() {
        return file;
    }

    int clusterSize() {
        return clusterSize;
    }

    private void checkL1(long l1Offset, int l1Size, boolean active) throws HostIoException {
        count(l1Offset, l1Size * 8L);
        file.<RuntimeException>forEachLong(l1Offset, l1Size, (i, entry) -> {
            if ((entry & L1_RESERVED) != 0) {
                tally.corruption("ERROR found L1 entry with reserved bits set: " + Long.toHexString(entry));
            }
            long l2Offset = entry & L1_OFFSET_MASK;
            if (l2Offset == 0) {
                return;
            }
            count(l2Offset, clusterSize);
            if ((l2Offset & (clusterSize - 1)) != 0) {
                tally.corruption("ERROR l2_offset=" + Long.toHexString(l2Offset)
                        + ": Table is not cluster aligned; L1 entry corrupted");
            }
            checkL2(l2Offset, active);
        });
    }

    private void checkL2(long l2Offset, boolean active) throws HostIoException {
        ByteBuffer table = file.readTable(l2Offset);
        boolean extended = header.extendedL2();
        int entrySize = extended ? 16 : 8;
        long nextContiguous = 0;
        for (int i = 0; i < clusterSize / entrySize; i++) {
            long word = table.getLong(i * entrySize);
            long bitmap = extended ? table.getLong(i * entrySize + 8) : 0;
            L2Entry.Kind kind = L2Entry.kind(word, extended, dataFile);
            if (kind != L2Entry.Kind.COMPRESSED && (word & L2Entry.STANDARD_RESERVED) != 0) {
                tally.corruption("ERROR found l2 entry with reserved bits set: " + Long.toHexString(word));
            }
            switch (kind) {
                case COMPRESSED -> {
                    if ((word & L2Entry.COPIED) != 0) {
                        word &= ~L2Entry.COPIED;
                        tally.corruption("ERROR: coffset=0x" + Long.toHexString(
                                CompressedCluster.decode(word, header.clusterBits()).hostOffset())
                                + ": copied flag must never be set for compressed clusters");
                    }
                    if (dataFile) {
                        tally.corruption("ERROR compressed cluster " + i + " with data file, entry=0x"
                                + Long.toHexString(word));
                        continue;
                    }
                    if (extended && bitmap != 0) {
                        tally.corruption("ERROR compressed cluster " + i
                                + " with non-zero subcluster allocation bitmap, entry=0x" + Long.toHexString(word));
                        continue;
                    }
                    CompressedCluster c = CompressedCluster.decode(word, header.clusterBits());
                    if (active) {
                        tally.allocatedClusters++;
                        tally.compressedClusters++;
                        // compressed data shares sectors with its neighbours: QEMU counts it as fragmented
                        tally.fragmentedClusters++;
                    }
                    count(c.hostOffset(), c.compressedLength());
                }
                case NORMAL, ZERO_ALLOCATED -> {
                    long offset = word & L2Entry.OFFSET_MASK;
                    if (extended && ((bitmap >>> 32) & bitmap) != 0) {
                        tally.corruption("ERROR offset=" + Long.toHexString(offset)
                                + ": Allocated cluster has corrupted subcluster allocation bitmap");
                    }
                    if ((offset & (clusterSize - 1)) != 0) {
                        tally.corruption("ERROR offset=" + Long.toHexString(offset)
                                + ": Data cluster is not properly aligned; L2 entry corrupted.");
                    }
                    if (active) {
                        tally.allocatedClusters++;
                        if (nextContiguous != 0 && offset != nextContiguous) {
                            tally.fragmentedClusters++;
                        }
                        nextContiguous = offset + clusterSize;
                    }
                    if (!dataFile) {
                        count(offset, clusterSize);
                    }
                }
                case UNALLOCATED -> {
                    if (extended && (bitmap & ALL_ALLOCATED) != 0) {
                        tally.corruption("ERROR: Unallocated cluster has non-zero subcluster allocation map");
                    }
                }
                case ZERO_PLAIN -> {
                }
            }
        }
    }

    /** Refcount blocks: each entry sane, each block referenced exactly once (QEMU's check_refblocks). */
    private void checkRefcountBlocks(OnDiskRefcounts refcounts) {
        long[] table = refcounts.table();
        for (int i = 0; i < table.length; i++) {
            long offset = table[i] & OnDiskRefcounts.REFTABLE_OFFSET_MASK;
            if ((table[i] & OnDiskRefcounts.REFTABLE_RESERVED) != 0) {
                tally.corruption("ERROR refcount table entry " + i + " has reserved bits set");
                continue;
            }
            if ((offset & (clusterSize - 1)) != 0) {
                tally.corruption("ERROR refcount block " + i
                        + " is not cluster aligned; refcount table entry corrupted");
                continue;
            }
            if (offset == 0) {
                continue;
            }
            long cluster = offset >>> header.clusterBits();
            if (cluster >= expected.fileClusters()) {
                tally.corruption("ERROR refcount block " + i + " is outside image");
                continue;
            }
            count(offset, clusterSize);
            long n = expected.get(cluster);
            if (n != 1) {
                tally.corruption("ERROR refcount block " + i + " refcount=" + n);
            }
        }
    }
}
