package org.aiofs.fs.mount;

import java.nio.file.Path;
import java.util.List;

import org.aiofs.image.ImageLocation;

/**
 * Everything a mount server needs.
 *
 * @param image        a local image (absolute path) or an NBD export
 * @param format       a format driver's name, or null to probe
 * @param engine       auto or an engine name ({@code --engine})
 * @param cache        auto or a QEMU cache mode ({@code --cache})
 * @param transport    how FUSE is spoken ({@code --transport})
 * @param fuseOptions  extra -o mount options (e.g. allow_other)
 * @param pidFile      where to write the server's pid, or null
 * @param notifyReady  print READY on stdout once served (the background launcher waits for it)
 * @param autoUnmount  let fusermount unmount if the server dies (off only to test dead mounts)
 * @param cacheBytes   the metadata cache's budget for the whole mount ({@code --cache-size})
 * @param allowBacking {@code --allow-backing} values: trees (or "any") where files the image names may be
 * @param overlay      where writes go instead of the image ({@code --overlay}), or null
 * @param logFile      the log a background server writes to (its stderr), for info.json; null in the foreground
 * @param passthrough  what the kernel may serve itself from a raw image file ({@code --passthrough})
 * @param fuseUring    serve from FUSE io_uring queues where the kernel offers them ({@code --fuse-uring auto})
 */
public record MountOptions(ImageLocation image, Path mountPoint, String format, boolean readOnly, String engine,
                           String cache, Transport transport,
                           boolean singleThreaded, List<String> fuseOptions, Path pidFile, boolean notifyReady,
                           boolean autoUnmount, long cacheBytes, List<String> allowBacking, Overlay overlay,
                           Path logFile, PassthroughMode passthrough, boolean fuseUring) {

    /**
     * The user's -o options, with default_permissions added whenever other users may enter
     * the mount (allow_other, allow_root): without it FUSE checks no permission at all, and
     * anyone could write a root-owned 0644 disk.raw.
     */
    public List<String> userFuseOptions() {
        boolean othersEnter = fuseOptions.contains("allow_other") || fuseOptions.contains("allow_root");
        if (!othersEnter || fuseOptions.contains("default_permissions")) {
            return fuseOptions;
        }
        List<String> withChecks = new java.util.ArrayList<>(fuseOptions);
        withChecks.add("default_permissions");
        return List.copyOf(withChecks);
    }

    /** The mount's source in the mount table: the image's path, without the characters option lists split on. */
    public String fsName() {
        return image.toString().replace(",", "_").replace(" ", "_");
    }

    /** The libfuse command-line options: big requests, cleanup if the server dies, and the user's. */
    public String[] libfuseArguments() {
        StringBuilder o = new StringBuilder("fsname=").append(fsName())
                .append(",subtype=aiofs,big_writes,max_write=131072,max_read=131072");
        if (autoUnmount) {
            o.append(",auto_unmount");
        }
        if (readOnly) {
            o.append(",ro");
        }
        for (String extra : userFuseOptions()) {
            o.append(',').append(extra);
        }
        return singleThreaded ? new String[] {"-s", "-o", o.toString()} : new String[] {"-o", o.toString()};
    }
}
