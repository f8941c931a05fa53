package org.aiofs.fs.layout;

/** An entry of the mount: a directory or a file that exposes an image. */
public sealed interface Node permits DirectoryNode, ImageFileNode {
    String name();
}
