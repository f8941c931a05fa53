package org.aiofs.image.qcow2;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.image.BlockImage;

/** Opens a backing image read-only (the image opener does it, keeping track of the chain for loops). */
@FunctionalInterface
public interface BackingOpener {
    /**
     * @param path   already resolved against the folder of the image naming it
     * @param format "raw", "qcow2", or null to probe
     */
    BlockImage open(Path path, String format) throws IOException;
}
