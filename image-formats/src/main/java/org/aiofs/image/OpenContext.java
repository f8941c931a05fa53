package org.aiofs.image;

import java.io.IOException;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.image.cache.MetadataCache;

/**
 * What the opener gives a driver while it opens one image: the engine, and the only way to
 * open the other files an image names. Names read from an image are untrusted: the context
 * resolves them against the naming image's folder, refuses a file that is already part of
 * the chain (a loop, or a data file that is the image itself), and locks what it opens as
 * QEMU does.
 */
public interface OpenContext {
    IoEngine engine();

    /** Whether the image being opened is opened read-only. */
    boolean readOnly();

    /** Where the image keeps the metadata it caches: one budget for the whole chain (and mount). */
    MetadataCache metadataCache();

    /**
     * Opens a file that {@code naming}'s metadata names as part of the same image (an external
     * data file, a VMDK extent), with the same writability as the image, locked as QEMU locks
     * it. {@code role} says what it is, for messages ("external data file", "extent").
     */
    HostFile openNamedFile(HostFile naming, String name, String role) throws IOException;

    /**
     * Opens the backing image {@code naming}'s metadata names, read-only, through the
     * registry.
     *
     * @param format the backing format the image records, or null to probe
     */
    BlockImage openBacking(HostFile naming, String name, String format) throws IOException;
}
