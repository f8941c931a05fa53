package org.aiofs.fs.layout;

/** An entry of the mount: a directory, a file that exposes an image, or a generated file. */
public sealed interface Node permits DirectoryNode, ImageFileNode, GeneratedFileNode {
    String name();

    /** Stable for the node's life and never reused (see {@link InodeNumbers}). */
    long inode();
}
