package org.aiofs.image.blockmap;

import java.io.IOException;

/**
 * Where a block-mapped format (VHD, VHDX, VDI) keeps each guest byte: its block table, read
 * at open and checked there, answers for one run at a time. Lookups may load metadata (a
 * sector bitmap) on the caller's thread and are called from many threads at once.
 */
public interface GuestMap {
    /**
     * The run that starts at guest {@code offset}: at least one byte and at most {@code length}
     * ({@code length > 0}, the range lies inside the disk).
     */
    GuestRun lookup(long offset, long length) throws IOException;
}
