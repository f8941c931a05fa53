package org.aiofs.fs.mount;

import org.aiofs.aio.FileType;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.fs.kernel.PassthroughCandidate;
import org.aiofs.fs.layout.ImageFileNode;
import org.aiofs.fs.layout.MountLayout;
import org.aiofs.image.raw.RawImage;

/**
 * Which file the kernel may serve itself ({@code --passthrough auto}): only disk.raw of a raw
 * image in a regular host file opened through the page cache, whose bytes are the file's at
 * the same offsets. Partition files are slices at an offset (the kernel does not remap
 * offsets), other formats map guest offsets elsewhere, and O_DIRECT or write-through cache
 * modes promise what the kernel's own page-cache writes would not keep.
 */
final class PassthroughChoice {
    private PassthroughChoice() {
    }

    static PassthroughCandidate of(MountOptions options, CacheMode cache, MountLayout layout) {
        if (options.passthrough() == PassthroughMode.OFF) {
            return PassthroughCandidate.refused("turned off (--passthrough off)");
        }
        if (options.transport() == Transport.LIBFUSE2) {
            return PassthroughCandidate.refused("transport libfuse2: libfuse 2 speaks FUSE 7.19, without passthrough");
        }
        ImageFileNode disk = layout.diskNode();
        if (!(disk.image() instanceof RawImage raw)) {
            return PassthroughCandidate.refused("format " + disk.image().format()
                    + ": guest offsets are not the image file's, only a raw image can be passed through");
        }
        HostFile file = raw.file();
        if (file.isRemote()) {
            return PassthroughCandidate.refused("an NBD export: there is no host file for the kernel to use");
        }
        if (file.type() != FileType.REGULAR) {
            return PassthroughCandidate.refused("the image is " + file.type().description()
                    + ": only a regular file is passed through");
        }
        if (file.direct() || cache.direct()) {
            return PassthroughCandidate.refused("cache " + cache.label()
                    + ": the image is opened O_DIRECT, and the kernel would go through the page cache");
        }
        if (cache.writeThrough()) {
            return PassthroughCandidate.refused("cache " + cache.label()
                    + ": every write must be flushed, which the kernel's own writes would not be");
        }
        return PassthroughCandidate.of(disk.inode(), disk.name(), file.fd(),
                options.passthrough() == PassthroughMode.AUTO);
    }
}
