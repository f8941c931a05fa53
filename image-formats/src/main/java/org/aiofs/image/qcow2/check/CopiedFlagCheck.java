package org.aiofs.image.qcow2.check;

import java.nio.ByteBuffer;

import org.aiofs.aio.HostIoException;
import org.aiofs.image.qcow2.L2Entry;
import org.aiofs.image.qcow2.Qcow2Header;

/**
 * The COPIED flag of active L1 and L2 entries must be set exactly when the cluster's
 * refcount is 1 (QEMU's check_oflag_copied). Runs after the refcount repair, whose
 * blocks are already durable, so a flag is only ever set on a refcount that is on disk.
 */
final class CopiedFlagCheck {
    private CopiedFlagCheck() {
    }

    /** A refcount that can't be read ends the COPIED check, as in QEMU (the comparison already counted it). */
    private static final class Stop extends Exception {
        Stop() {
            super(null, null, false, false);
        }
    }

    static void run(CheckFile file, Qcow2Header header, OnDiskRefcounts disk, CheckTally tally, boolean repair)
            throws HostIoException {
        try {
            walk(file, header, disk, tally, repair);
        } catch (Stop e) {
            tally.say("OFLAG_COPIED check stopped: a refcount can't be read");
        }
    }

    private static void walk(CheckFile file, Qcow2Header header, OnDiskRefcounts disk, CheckTally tally,
            boolean repair) throws HostIoException, Stop {
        int clusterSize = header.clusterSize();
        int bits = header.clusterBits();
        boolean[] wrote = {false};
        file.<Stop>forEachLong(header.l1TableOffset(), header.l1Size(), (i, l1e) -> {
            long l2Offset = l1e & ReferenceWalk.L1_OFFSET_MASK;
            if (l2Offset == 0) {
                return;
            }
            long refcount = refcount(disk, l2Offset >>> bits);
            boolean copied = (l1e & L2Entry.COPIED) != 0;
            if ((refcount == 1) != copied) {
                tally.say((repair ? "Repairing" : "ERROR") + " OFLAG_COPIED L2 cluster: l1_index=" + i
                        + " l1_entry=" + Long.toHexString(l1e) + " refcount=" + Long.toUnsignedString(refcount));
                if (repair) {
                    long fixedEntry = refcount == 1 ? l1e | L2Entry.COPIED : l1e & ~L2Entry.COPIED;
                    ByteBuffer b = ByteBuffer.allocateDirect(8).putLong(0, fixedEntry);
                    file.write(header.l1TableOffset() + i * 8L, b);
                    wrote[0] = true;
                    tally.corruptionsFixed++;
                } else {
                    tally.corruptions++;
                }
            }
            if ((l2Offset & (clusterSize - 1)) != 0) {
                return; // reported by the reference walk; never written through
            }
            wrote[0] |= checkL2(file, header, disk, tally, repair, l2Offset);
        });
        if (wrote[0]) {
            file.sync();
        }
    }

    private static boolean checkL2(CheckFile file, Qcow2Header header, OnDiskRefcounts disk, CheckTally tally,
            boolean repair, long l2Offset) throws HostIoException, Stop {
        ByteBuffer table = file.readTable(l2Offset);
        int entrySize = header.extendedL2() ? 16 : 8;
        boolean dataFile = header.externalDataFile();
        boolean dirty = false;
        for (int i = 0; i < header.clusterSize() / entrySize; i++) {
            long word = table.getLong(i * entrySize);
            L2Entry.Kind kind = L2Entry.kind(word, header.extendedL2(), dataFile);
            if (kind != L2Entry.Kind.NORMAL && kind != L2Entry.Kind.ZERO_ALLOCATED) {
                continue;
            }
            long offset = word & L2Entry.OFFSET_MASK;
            long refcount = dataFile ? 1 : refcount(disk, offset >>> header.clusterBits());
            if ((refcount == 1) != ((word & L2Entry.COPIED) != 0)) {
                tally.say((repair ? "Repairing" : "ERROR") + " OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(word)
                        + " refcount=" + Long.toUnsignedString(refcount));
                if (repair) {
                    table.putLong(i * entrySize, refcount == 1 ? word | L2Entry.COPIED : word & ~L2Entry.COPIED);
                    dirty = true;
                    tally.corruptionsFixed++;
                } else {
                    tally.corruptions++;
                }
            }
        }
        if (dirty) {
            file.write(l2Offset, table.clear());
        }
        return dirty;
    }

    private static long refcount(OnDiskRefcounts disk, long cluster) throws HostIoException, Stop {
        try {
            return disk.get(cluster);
        } catch (OnDiskRefcounts.Unreadable e) {
            throw new Stop();
        }
    }
}
