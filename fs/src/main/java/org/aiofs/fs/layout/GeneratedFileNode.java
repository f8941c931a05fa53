package org.aiofs.fs.layout;

import java.util.function.Supplier;

/** A read-only file whose content is made when it is opened (info.json). */
public record GeneratedFileNode(String name, Supplier<byte[]> content) implements Node {
}
