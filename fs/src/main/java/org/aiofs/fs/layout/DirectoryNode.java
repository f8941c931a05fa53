package org.aiofs.fs.layout;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only directory. Its children are replaced as a whole (copy on write) when the
 * layout changes, e.g. after a partition table was rewritten, so lookups never see half
 * of a change.
 */
public final class DirectoryNode implements Node {
    private final long inode;
    private final String name;
    private volatile Map<String, Node> children = Map.of();

    public DirectoryNode(String name) {
        this(InodeNumbers.next(), name);
    }

    private DirectoryNode(long inode, String name) {
        this.inode = inode;
        this.name = name;
    }

    /** The mount's root directory, inode {@link InodeNumbers#ROOT}. */
    public static DirectoryNode root() {
        return new DirectoryNode(InodeNumbers.ROOT, "");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long inode() {
        return inode;
    }

    public void setChildren(List<? extends Node> nodes) {
        Map<String, Node> next = new LinkedHashMap<>();
        for (Node n : nodes) {
            if (next.putIfAbsent(n.name(), n) != null) {
                throw new IllegalArgumentException("two entries named " + n.name() + " in '" + name + "'");
            }
        }
        children = next;
    }

    public Node child(String childName) {
        return children.get(childName);
    }

    public Collection<Node> children() {
        return children.values();
    }
}
