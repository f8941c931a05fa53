package org.aiofs.image.qcow2;

import org.aiofs.image.cache.MetadataCache;

/** Where one guest cluster's L2 entry lives: a table pinned by whoever holds the slot, and the index in it. */
record L2Slot(MetadataCache.Entry<L2Table> table, int index) {
    L2Entry entry() {
        return table.value().entry(index);
    }
}
