package org.aiofs.image.vmdk.extent;

import java.io.IOException;

import org.aiofs.aio.HostFile;

/** One extent of a VMDK disk: a range of guest sectors stored in one file, flat or sparse. */
public sealed interface Extent permits FlatExtent, SparseExtent {
    /** The extent's size in 512-byte sectors. */
    long sectors();

    default long size() {
        return sectors() * 512;
    }

    /** The file holding the extent's data. */
    HostFile file();

    /** The type the descriptor gives it (FLAT, SPARSE, ...), or "" for the sparse file a descriptor is embedded in. */
    String type();

    /** The grain size in bytes, or 0 for a flat extent. */
    int grainBytes();

    boolean compressed();

    /**
     * Where the bytes starting at {@code offset} (relative to the extent) are, for at most
     * {@code length} bytes. Grain tables are read on the caller's thread when not cached.
     */
    ExtentRun map(long offset, long length) throws IOException;
}
