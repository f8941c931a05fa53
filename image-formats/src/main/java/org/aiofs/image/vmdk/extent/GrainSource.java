package org.aiofs.image.vmdk.extent;

import java.io.IOException;
import java.nio.ByteBuffer;

/** What a new grain holds where the write that allocates it does not reach: the parent's bytes, or zeroes. */
@FunctionalInterface
public interface GrainSource {
    /** Fills {@code target} (position to limit) with the disk's bytes from extent offset {@code offset}. */
    void fill(long offset, ByteBuffer target) throws IOException;
}
