package org.aiofs.image.qcow2.check;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.engine.SyncEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.CheckResult;
import org.aiofs.image.ImageException;
import org.aiofs.image.RepairMode;
import org.aiofs.image.lock.QemuImageLock;
import org.aiofs.image.qcow2.HeaderExtensions;
import org.aiofs.image.qcow2.MetadataReader;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.Qcow2Snapshot;
import org.aiofs.image.qcow2.RefcountEntries;
import org.aiofs.image.qcow2.SnapshotTable;

/**
 * {@code qemu-img check} for qcow2: rebuilds every cluster's refcount from the tables and
 * compares it with the stored one, checks the COPIED flags, and optionally repairs.
 * Repair order keeps a crash harmless: refcount blocks are written and synced first, then
 * COPIED flags (which follow from those refcounts), then the header's dirty/corrupt bits.
 * After a repair the image is checked again and that second result is reported.
 */
public final class Qcow2Checker {
    private static final int MAX_FIRST_CLUSTER = 1 << Qcow2Header.MAX_CLUSTER_BITS;

    private Qcow2Checker() {
    }

    /**
     * An image with the dirty bit set (lazy refcounts, not closed cleanly) is repaired as with
     * {@link RepairMode#ALL} even when only leaks were asked for: its refcounts are expected to
     * lag behind, and raising a refcount can at worst leak a cluster.
     *
     * @param messages where the per-problem lines (ERROR ..., Leaked ..., Repairing ...) go
     * @throws IOException when the image can't be opened or its header is unusable (exit code 1)
     */
    public static CheckResult check(Path image, RepairMode repair, PrintWriter messages) throws IOException {
        try (HostFile file = HostFile.open(image, repair == RepairMode.NONE, false, true);
                IoEngine engine = new SyncEngine()) {
            QemuImageLock.acquire(file, repair != RepairMode.NONE);
            CheckTally first = pass(file, engine, repair, messages);
            if (repair == RepairMode.NONE || first.corruptionsFixed + first.leaksFixed == 0) {
                return first.result(image.toString(), first.corruptionsFixed, first.leaksFixed);
            }
            CheckTally second = pass(file, engine, RepairMode.NONE, messages);
            return second.result(image.toString(), first.corruptionsFixed, first.leaksFixed);
        }
    }

    private static CheckTally pass(HostFile host, IoEngine engine, RepairMode repair, PrintWriter messages)
            throws IOException {
        String name = host.path().toString();
        long fileSize = host.size();
        MetadataReader meta = new MetadataReader(host, engine, name);
        ByteBuffer head = meta.readUpTo(0, (int) Math.min(fileSize, MAX_FIRST_CLUSTER));
        Qcow2Header header = Qcow2Header.parse(name, head, fileSize);
        if (header.headerLength() > header.clusterSize()) {
            throw ImageException.corrupt(name, "header_length " + header.headerLength() + " is larger than a cluster");
        }
        CheckFile file = new CheckFile(host, header.clusterSize());
        ByteBuffer firstCluster = head.slice(0, Math.min(head.limit(), header.clusterSize()));
        HeaderExtensions extensions = HeaderExtensions.parse(name, firstCluster, header.extensionsOffset());
        SnapshotTable.Contents snapshotTable = header.snapshotCount() == 0
                ? new SnapshotTable.Contents(List.of(), header.snapshotsOffset())
                : SnapshotTable.readWithEnd(meta, header, fileSize);
        List<Qcow2Snapshot> snapshots = snapshotTable.snapshots();
        long snapshotTableSize = snapshotTable.end() - header.snapshotsOffset();
        BitmapReferences bitmaps = BitmapReferences.of(name, header, extensions.bitmapsExtension());

        CheckTally tally = new CheckTally(messages);
        if (repair == RepairMode.LEAKS && header.dirty()) {
            // a dirty lazy-refcounts image has refcounts too low by design: raising them is the normal recovery
            tally.say("The image is dirty (lazy refcounts): refcounts that are too low are repaired too");
            repair = RepairMode.ALL;
        }
        int bits = header.clusterBits();
        tally.totalClusters = (header.virtualSize() + header.clusterSize() - 1) >>> bits;
        long fileClusters = (fileSize + header.clusterSize() - 1) >>> bits;
        if (fileClusters > ExpectedRefcounts.MAX_FILE_CLUSTERS) {
            throw new ImageException(name + ": image too large to check (" + fileClusters + " clusters)",
                    Errno.EINVAL);
        }
        ExpectedRefcounts expected = new ExpectedRefcounts(bits, fileClusters,
                RefcountEntries.max(header.refcountOrder()));
        OnDiskRefcounts disk = new OnDiskRefcounts(file, header);
        new ReferenceWalk(file, header, expected, tally).walk(snapshots, snapshotTableSize, bitmaps, disk);

        long highest = RefcountComparison.compare(disk, expected, tally, repair);
        boolean fixCopied = repair.fixesErrors()
                || repair.fixesLeaks() && tally.checkErrors == 0 && tally.corruptions == 0 && tally.leaks == 0;
        CopiedFlagCheck.run(file, header, disk, tally, fixCopied);
        tally.imageEndOffset = (highest + 1) << bits;
        if (repair != RepairMode.NONE && tally.checkErrors == 0 && tally.corruptions == 0) {
            markCleanAndConsistent(file, header);
        }
        return tally;
    }

    /** Clears the dirty and corrupt bits once the refcounts and flags are known right (v3 only has them). */
    private static void markCleanAndConsistent(CheckFile file, Qcow2Header header) throws IOException {
        long bitsToClear = Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT;
        if (header.version() < 3 || (header.incompatibleFeatures() & bitsToClear) == 0) {
            return;
        }
        ByteBuffer b = ByteBuffer.allocateDirect(8).putLong(0, header.incompatibleFeatures() & ~bitsToClear);
        file.write(72, b);
        file.sync();
    }
}
