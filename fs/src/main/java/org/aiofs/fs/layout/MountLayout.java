package org.aiofs.fs.layout;

import org.aiofs.image.BlockImage;

/**
 * What a mount shows: {@code disk.raw} for the whole image. Later entries (partitions,
 * snapshots, info.json) are added here and nowhere else.
 */
public final class MountLayout {
    public static final String DISK_FILE = "disk.raw";

    private MountLayout() {
    }

    public static DirectoryNode of(BlockImage image, boolean writable) {
        DirectoryNode root = new DirectoryNode("");
        root.add(new ImageFileNode(DISK_FILE, image, writable));
        return root;
    }
}
