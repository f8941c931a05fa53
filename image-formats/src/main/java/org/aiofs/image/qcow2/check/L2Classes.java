package org.aiofs.image.qcow2.check;

import org.aiofs.image.qcow2.L2Entry;

/**
 * Classifies a raw L2 descriptor as QEMU's qcow2_get_cluster_type does, without the
 * subcluster bitmap (the checker reads the bitmap word itself).
 */
final class L2Classes {
    private L2Classes() {
    }

    static L2Entry.Kind of(long word, boolean extendedL2, boolean externalDataFile) {
        if ((word & L2Entry.COMPRESSED) != 0) {
            return L2Entry.Kind.COMPRESSED;
        }
        long offset = word & L2Entry.OFFSET_MASK;
        if ((word & L2Entry.ZERO) != 0 && !extendedL2) {
            return offset != 0 ? L2Entry.Kind.ZERO_ALLOCATED : L2Entry.Kind.ZERO_PLAIN;
        }
        if (offset == 0) {
            return externalDataFile && (word & L2Entry.COPIED) != 0 ? L2Entry.Kind.NORMAL : L2Entry.Kind.UNALLOCATED;
        }
        return L2Entry.Kind.NORMAL;
    }
}
