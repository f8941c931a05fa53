package org.aiofs.image.qcow2;

/**
 * Where a guest offset falls: its cluster, the L1 and L2 indexes that map it, its
 * subcluster. The one place this arithmetic is written.
 */
record ClusterGeometry(int clusterBits, int l2Bits, boolean extendedL2) {
    /** Subclusters per cluster with extended L2 entries. */
    static final int SUBCLUSTERS = SubclusterBitmap.SUBCLUSTERS;

    static ClusterGeometry of(Qcow2Header header) {
        return new ClusterGeometry(header.clusterBits(), header.l2Bits(), header.extendedL2());
    }

    int clusterSize() {
        return 1 << clusterBits;
    }

    /** Guest bytes one L2 table maps. */
    long l2Span() {
        return 1L << (clusterBits + l2Bits);
    }

    long clusterStart(long guest) {
        return guest & -(1L << clusterBits);
    }

    int inCluster(long guest) {
        return (int) (guest & ((1L << clusterBits) - 1));
    }

    /** May be past the end of the L1 table: callers check. */
    long l1Index(long guest) {
        return guest >>> (clusterBits + l2Bits);
    }

    int l2Index(long guest) {
        return (int) ((guest >>> clusterBits) & ((1L << l2Bits) - 1));
    }

    /** Bytes of one allocation unit: a subcluster with extended L2, else a cluster. */
    int unitSize() {
        return extendedL2 ? (1 << clusterBits) / SUBCLUSTERS : 1 << clusterBits;
    }

    int subclusterBits() {
        return clusterBits - 5;
    }

    /** The subcluster holding a byte of a cluster. */
    int subcluster(long inCluster) {
        return (int) (inCluster >>> subclusterBits());
    }
}
