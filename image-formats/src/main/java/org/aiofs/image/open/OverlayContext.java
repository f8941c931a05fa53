package org.aiofs.image.open;

import java.io.IOException;
import java.nio.file.Path;

import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.nativeio.Errno;
import org.aiofs.image.BlockImage;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageLocation;
import org.aiofs.image.OpenContext;
import org.aiofs.image.cache.MetadataCache;

/**
 * The context an overlay aiofs built is opened with: its backing image is the one already
 * open, handed over once the name the overlay records is found to be that image's file (and
 * format); no other file is opened.
 */
final class OverlayContext implements OpenContext {
    private final IoEngine engine;
    private final BlockImage base;
    private final MetadataCache metadataCache;
    private boolean handedOut;

    OverlayContext(IoEngine engine, BlockImage base, MetadataCache metadataCache) {
        this.engine = engine;
        this.base = base;
        this.metadataCache = metadataCache;
    }

    /** Whether the driver took the base image (and so closes it with the overlay, or on failure). */
    boolean handedOut() {
        return handedOut;
    }

    @Override
    public IoEngine engine() {
        return engine;
    }

    @Override
    public MetadataCache metadataCache() {
        return metadataCache;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public HostFile openNamedFile(HostFile naming, String name, String role) throws IOException {
        throw new ImageException(naming.path() + ": an overlay has no " + role + " (it names " + name + ")",
                Errno.EINVAL);
    }

    @Override
    public BlockImage openBacking(HostFile naming, String name, String format) throws IOException {
        ImageLocation named = ImageLocation.of(naming.path()).resolve(name, "backing file name");
        if (handedOut || !identity(named).equals(identity(ImageLocation.parse(base.name())))) {
            throw new ImageException(naming.path() + " is not an overlay of " + base.name() + ": its backing file is "
                    + name, Errno.EINVAL);
        }
        if (format != null && !format.isEmpty() && !format.equals(base.format())) {
            throw new ImageException(naming.path() + " records its backing file " + name + " as " + format + ", but "
                    + base.name() + " is " + base.format(), Errno.EINVAL);
        }
        handedOut = true;
        return base;
    }

    /** The same file reached by two names counts once; an export is its URI. */
    private static String identity(ImageLocation location) {
        if (location.isRemote()) {
            return location.toString();
        }
        Path p = location.path();
        try {
            return p.toRealPath().toString();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize().toString();
        }
    }
}
