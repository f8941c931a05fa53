package org.aiofs.fs.layout;

import org.aiofs.image.BlockImage;

/** A file whose bytes are a {@link BlockImage}'s guest bytes (disk.raw, partN.raw, a snapshot). */
public record ImageFileNode(String name, BlockImage image, boolean writable) implements Node {
}
