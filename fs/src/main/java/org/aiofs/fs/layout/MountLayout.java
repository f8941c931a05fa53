package org.aiofs.fs.layout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.aiofs.fs.log.ServerLog;
import org.aiofs.image.BlockImage;
import org.aiofs.image.partition.Partition;
import org.aiofs.image.partition.PartitionScheme;
import org.aiofs.image.partition.PartitionTable;
import org.aiofs.image.partition.PartitionTableReader;
import org.aiofs.image.partition.Slice;

/**
 * What a mount shows: {@code disk.raw} (the whole disk), {@code partN.raw} (each partition,
 * numbered as Linux numbers them), {@code snapshots/NAME.raw} (internal snapshots, read-only)
 * and {@code info.json}. The partition files follow the table: a write to the table's own
 * sectors through disk.raw (fdisk) makes the layout read it again.
 */
public final class MountLayout {
    public static final String DISK_FILE = "disk.raw";
    public static final String INFO_FILE = "info.json";
    public static final String SNAPSHOT_DIR = "snapshots";

    private final BlockImage disk;
    private final boolean writable;
    private final ImageFileNode diskNode;
    private final DirectoryNode root = new DirectoryNode("");
    private volatile PartitionTable table;
    private volatile List<ImageFileNode> partitionNodes = List.of();
    private volatile DirectoryNode snapshots;
    private volatile GeneratedFileNode info;

    public MountLayout(BlockImage disk, boolean writable) {
        this.disk = disk;
        this.writable = writable;
        this.diskNode = new ImageFileNode(DISK_FILE, disk, writable);
        readPartitions();
    }

    /** A layout with only disk.raw and whatever partitions it has. */
    public static MountLayout of(BlockImage disk, boolean writable) {
        return new MountLayout(disk, writable);
    }

    public DirectoryNode root() {
        return root;
    }

    public ImageFileNode diskNode() {
        return diskNode;
    }

    public PartitionTable partitionTable() {
        return table;
    }

    public List<ImageFileNode> partitionFiles() {
        return partitionNodes;
    }

    public void setInfoFile(Supplier<byte[]> content) {
        info = new GeneratedFileNode(INFO_FILE, content);
        publish();
    }

    /** Snapshot images, each served read-only as snapshots/NAME.raw. */
    public void setSnapshots(List<ImageFileNode> snapshotFiles) {
        if (snapshotFiles.isEmpty()) {
            snapshots = null;
        } else {
            DirectoryNode dir = new DirectoryNode(SNAPSHOT_DIR);
            dir.setChildren(snapshotFiles);
            snapshots = dir;
        }
        publish();
    }

    /** Called after every write or zeroing through disk.raw. */
    public void diskWritten(long offset, long length) {
        PartitionTable current = table;
        if (current == null || current.touchesTable(offset, length)) {
            readPartitions();
        }
    }

    /** Reads the partition table again and republishes the partition files. */
    public synchronized void readPartitions() {
        PartitionTable next;
        try {
            next = PartitionTableReader.read(disk);
        } catch (IOException | RuntimeException e) {
            ServerLog.error("cannot read the partition table of " + disk.name() + ": " + e.getMessage());
            next = null;
        }
        List<ImageFileNode> nodes = new ArrayList<>();
        if (next != null) {
            for (String warning : next.warnings()) {
                ServerLog.info(disk.name() + ": partition table: " + warning);
            }
            for (Partition p : next.partitions()) {
                if (!p.container()) {
                    nodes.add(new ImageFileNode("part" + p.number() + ".raw", Slice.of(disk, p, !writable), writable));
                }
            }
            if (next.scheme() != PartitionScheme.NONE) {
                ServerLog.info(disk.name() + ": " + next.scheme() + " partition table, " + nodes.size()
                        + " partition file(s)");
            }
        }
        table = next;
        partitionNodes = List.copyOf(nodes);
        publish();
    }

    private synchronized void publish() {
        List<Node> children = new ArrayList<>();
        children.add(diskNode);
        children.addAll(partitionNodes);
        if (snapshots != null) {
            children.add(snapshots);
        }
        if (info != null) {
            children.add(info);
        }
        root.setChildren(children);
    }
}
