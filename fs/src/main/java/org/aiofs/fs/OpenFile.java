package org.aiofs.fs;

import org.aiofs.fs.layout.GeneratedFileNode;
import org.aiofs.fs.layout.ImageFileNode;
import org.aiofs.fs.layout.Node;

/**
 * A file opened through the mount, until it is released. It pins the node it was opened on,
 * and with it the image behind it: a partition file keeps the extent it had at open even if
 * the table is rewritten meanwhile (as Linux keeps an in-use partition). A generated file
 * keeps the content it had at open.
 */
public final class OpenFile {
    private final long id;
    private final Node node;
    private final boolean writable;
    private final byte[] content;

    OpenFile(long id, Node node, boolean writable, byte[] content) {
        this.id = id;
        this.node = node;
        this.writable = writable;
        this.content = content;
    }

    /** The handle number transports hand to the kernel (never 0). */
    public long id() {
        return id;
    }

    public Node node() {
        return node;
    }

    public boolean writable() {
        return writable;
    }

    /** The image file behind it, or null for a generated file. */
    ImageFileNode imageFile() {
        return node instanceof ImageFileNode file ? file : null;
    }

    /** A generated file's content as it was at open, or null. */
    byte[] content() {
        return node instanceof GeneratedFileNode ? content : null;
    }

    @Override
    public String toString() {
        return node.name() + " (handle " + id + ")";
    }
}
