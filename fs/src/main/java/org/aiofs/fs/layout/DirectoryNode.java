package org.aiofs.fs.layout;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A read-only directory whose children are fixed when the mount is laid out. */
public final class DirectoryNode implements Node {
    private final String name;
    private final Map<String, Node> children = new LinkedHashMap<>();

    public DirectoryNode(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    public DirectoryNode add(Node child) {
        if (children.putIfAbsent(child.name(), child) != null) {
            throw new IllegalArgumentException("two entries named " + child.name() + " in " + name);
        }
        return this;
    }

    public Node child(String childName) {
        return children.get(childName);
    }

    public Collection<Node> children() {
        return Collections.unmodifiableCollection(children.values());
    }
}
