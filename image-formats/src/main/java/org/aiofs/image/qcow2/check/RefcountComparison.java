package org.aiofs.image.qcow2.check;

import java.util.Map;

import org.aiofs.aio.HostIoException;
import org.aiofs.image.qcow2.RefcountEntries;
import org.aiofs.image.RepairMode;

/**
 * Compares stored refcounts with the rebuilt ones (QEMU's compare_refcounts): higher on
 * disk is a leak, lower a corruption (the cluster could be handed out twice). Repairs set
 * the stored value to the rebuilt one; the changed blocks are written and synced at the end.
 */
final class RefcountComparison {
    private RefcountComparison() {
    }

    /** @return the highest cluster in use by either count, for the image end offset */
    static long compare(OnDiskRefcounts disk, ExpectedRefcounts expected, CheckTally tally, RepairMode repair)
            throws HostIoException {
        long highest = 0;
        for (long c = 0; c < expected.fileClusters(); c++) {
            highest = compareOne(disk, expected, tally, repair, c, highest);
        }
        for (Map.Entry<Long, Long> e : expected.beyondFile().entrySet()) {
            highest = compareOne(disk, expected, tally, repair, e.getKey(), highest);
        }
        disk.writeBack();
        return highest;
    }

    private static long compareOne(OnDiskRefcounts disk, ExpectedRefcounts expected, CheckTally tally,
            RepairMode repair, long cluster, long highest) throws HostIoException {
        long stored;
        try {
            stored = disk.get(cluster);
        } catch (OnDiskRefcounts.Unreadable e) {
            tally.checkError("Can't get refcount for cluster " + cluster + ": " + e.getMessage());
            return highest;
        }
        long wanted = expected.get(cluster);
        if (stored != 0 || wanted != 0) {
            highest = cluster;
        }
        if (stored == wanted) {
            return highest;
        }
        boolean tooLow = Long.compareUnsigned(stored, wanted) < 0;
        boolean fix = tooLow ? repair.fixesErrors() : repair.fixesLeaks();
        boolean fixed = false;
        if (fix && Long.compareUnsigned(wanted, RefcountEntries.max(disk.order())) <= 0) {
            try {
                fixed = disk.set(cluster, wanted);
            } catch (OnDiskRefcounts.Unreadable e) {
                fixed = false;
            }
        }
        String counts = " cluster " + cluster + " refcount=" + Long.toUnsignedString(stored) + " reference=" + wanted;
        // as qemu-img: what was found, then what was done about it
        tally.say((tooLow ? "ERROR" : "Leaked") + counts);
        if (fixed) {
            tally.say("Repairing" + counts);
        }
        if (fixed) {
            if (tooLow) {
                tally.corruptionsFixed++;
            } else {
                tally.leaksFixed++;
            }
        } else if (tooLow) {
            if (fix) {
                tally.say("ERROR cluster " + cluster + ": no refcount block covers it; rebuilding the refcount"
                        + " structure is not supported (qemu-img check -r all can)");
            }
            tally.corruptions++;
        } else {
            tally.leaks++;
        }
        return highest;
    }
}
