package org.aiofs.fs.layout;

import java.util.function.Supplier;

/** A read-only file whose content is made when it is opened (info.json). */
public record GeneratedFileNode(long inode, String name, Supplier<byte[]> content) implements Node {
    /** A new node with the next inode number. */
    public GeneratedFileNode(String name, Supplier<byte[]> content) {
        this(InodeNumbers.next(), name, content);
    }
}
