package org.aiofs.image.qcow2;

import java.io.IOException;

import org.aiofs.image.BlockImage;

/** Opens a backing image read-only (the image opener does it, keeping track of the chain for loops). */
@FunctionalInterface
public interface BackingOpener {
    /**
     * @param name   as the image spells it: the opener resolves it against the image's location
     * @param format "raw", "qcow2", or null to probe
     */
    BlockImage open(String name, String format) throws IOException;
}
