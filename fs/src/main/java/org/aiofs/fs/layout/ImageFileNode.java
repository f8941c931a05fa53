package org.aiofs.fs.layout;

import org.aiofs.image.BlockImage;

/** A file whose bytes are a {@link BlockImage}'s guest bytes (disk.raw, partN.raw, a snapshot). */
public record ImageFileNode(long inode, String name, BlockImage image, boolean writable) implements Node {
    /** A new node with the next inode number. */
    public ImageFileNode(String name, BlockImage image, boolean writable) {
        this(InodeNumbers.next(), name, image, writable);
    }
}
