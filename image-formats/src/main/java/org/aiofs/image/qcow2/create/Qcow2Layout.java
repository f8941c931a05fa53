package org.aiofs.image.qcow2.create;

import org.aiofs.image.qcow2.Qcow2Header;

/**
 * Where the metadata of a new, empty image goes, as qemu-img lays it out: header in
 * cluster 0, then the refcount table, the refcount blocks, then the L1 table. The refcount
 * blocks cover every metadata cluster, including themselves and the table.
 */
public record Qcow2Layout(int clusterSize, long l1Size, int refcountTableClusters, int refcountBlocks,
        long l1Clusters) {

    public static Qcow2Layout of(Qcow2CreateOptions o) {
        long c = o.clusterSize();
        long l2Entries = c / (o.extendedL2() ? 16 : 8);
        long perL1Entry = c * l2Entries;
        long l1Size = o.virtualSize() / perL1Entry + (o.virtualSize() % perL1Entry == 0 ? 0 : 1);
        if (l1Size * 8 > Qcow2Header.MAX_L1_BYTES) {
            throw new IllegalArgumentException("The image size is too large for file format 'qcow2' (try using a"
                    + " larger cluster size)");
        }
        long l1Clusters = (l1Size * 8 + c - 1) / c;
        long perBlock = c * 8 / o.refcountBits();
        long entriesPerTableCluster = c / 8;
        long table = 1;
        long blocks = 1;
        while (true) {
            long metadata = 1 + table + blocks + l1Clusters;
            long neededBlocks = (metadata + perBlock - 1) / perBlock;
            long neededTable = (neededBlocks + entriesPerTableCluster - 1) / entriesPerTableCluster;
            if (neededBlocks <= blocks && neededTable <= table) {
                break;
            }
            blocks = Math.max(blocks, neededBlocks);
            table = Math.max(table, neededTable);
        }
        if (table * c > Qcow2Header.MAX_REFTABLE_BYTES) {
            throw new IllegalArgumentException("refcount table would exceed 8 MiB: use larger clusters or narrower"
                    + " refcounts");
        }
        return new Qcow2Layout((int) c, l1Size, (int) table, (int) blocks, l1Clusters);
    }

    public long refcountTableOffset() {
        return clusterSize;
    }

    public long refcountBlocksOffset() {
        return (long) (1 + refcountTableClusters) * clusterSize;
    }

    /** 0 when the disk is empty (no L1 entries), as QEMU writes it. */
    public long l1TableOffset() {
        return l1Size == 0 ? 0 : (long) (1 + refcountTableClusters + refcountBlocks) * clusterSize;
    }

    /** Clusters in use: header, refcount table, refcount blocks, L1 table. */
    public long metadataClusters() {
        return 1 + refcountTableClusters + refcountBlocks + l1Clusters;
    }

    /** The file ends after the last refcount block or after the L1 entries, whichever is later. */
    public long fileLength() {
        long afterBlocks = (long) (1 + refcountTableClusters + refcountBlocks) * clusterSize;
        return Math.max(afterBlocks, l1TableOffset() + l1Size * 8);
    }
}
