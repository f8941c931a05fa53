package org.aiofs.fs.kernel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.aiofs.fs.layout.DirectoryNode;
import org.aiofs.fs.layout.InodeNumbers;
import org.aiofs.fs.layout.Node;

/**
 * The nodes the kernel holds, by node id (= inode number), with the kernel's lookup count:
 * every LOOKUP and READDIRPLUS entry adds one, FORGET takes its count away, and a node is
 * dropped at zero. A node the layout has since replaced (a moved partition) stays reachable
 * here for as long as the kernel holds it. The root is always held.
 */
final class NodeTable {
    private record Held(Node node, long lookups) {
    }

    private final Map<Long, Held> nodes = new ConcurrentHashMap<>();

    NodeTable(DirectoryNode root) {
        nodes.put(InodeNumbers.ROOT, new Held(root, 1));
    }

    /** The node with this id, or null if the kernel does not hold it. */
    Node get(long nodeId) {
        Held h = nodes.get(nodeId);
        return h == null ? null : h.node();
    }

    /** The kernel was told about {@code node} once more. */
    void looked(Node node) {
        nodes.merge(node.inode(), new Held(node, 1), (old, one) -> new Held(old.node(), old.lookups() + 1));
    }

    void forget(long nodeId, long count) {
        if (nodeId == InodeNumbers.ROOT) {
            return;
        }
        nodes.computeIfPresent(nodeId, (id, h) -> h.lookups() > count ? new Held(h.node(), h.lookups() - count) : null);
    }

    int size() {
        return nodes.size();
    }
}
