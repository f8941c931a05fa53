package org.aiofs.image.open;

import org.aiofs.aio.nativeio.Errno;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.aiofs.aio.RequestPadding;
import org.aiofs.aio.Futures;
import org.aiofs.aio.HostFile;
import org.aiofs.aio.IoEngine;
import org.aiofs.aio.IoRequest;
import org.aiofs.aio.RemoteExport;
import org.aiofs.aio.engine.CacheMode;
import org.aiofs.aio.nbd.NbdClient;
import org.aiofs.image.BlockImage;
import org.aiofs.image.CheckResult;
import org.aiofs.image.ImageDriver;
import org.aiofs.image.ImageException;
import org.aiofs.image.ImageLocation;
import org.aiofs.image.OpenContext;
import org.aiofs.image.RepairMode;
import org.aiofs.image.RepairNeededException;
import org.aiofs.image.cache.MetadataCache;
import org.aiofs.image.lock.QemuImageLock;

/**
 * Opens an image as a {@link BlockImage}: a local file, or an NBD export (see
 * {@link ImageLocation}); in the format named by the user, or probed ({@link FormatProbe}),
 * through the driver the registry lists for it. A probed image whose driver says so
 * ({@code probeForWriting}, false for raw) is never opened for writing: a guest could write a
 * qcow2 header into a raw disk and the next open would trust it.
 * Files an image names (backing images, data files) are opened only through the
 * {@link OpenContext} this class implements, the one place where names read from an image
 * are judged: the {@link NamedFilePolicy} (inside the image's directory tree unless the
 * user allows more; an export only when the user allows any name), the kind of file
 * (HostFile: a regular file or block device), and the chain (each file once, by device and
 * inode, each export by its URI: a name that comes back is a loop, or a data file that is the
 * image itself). An image on an export runs on the export's own engine and may name only
 * exports; local files are locked as QEMU locks them, exports are the server's to guard.
 * With O_DIRECT, requests on the local files are padded to whole sectors below every driver
 * ({@link RequestPadding}); every image of the chain keeps its metadata in one
 * {@link MetadataCache}.
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: each level costs a file and a stack frame per read. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final IoEngine engine;
    private final boolean direct;
    private final MetadataCache cache;
    private final boolean writeThrough;
    private final Consumer<String> remoteLog;
    private final NamedFilePolicy policy;
    private final Consumer<String> notices;
    private final List<RemoteExport> exports = new ArrayList<>();

    public ImageOpener(IoEngine engine) {
        this(engine, false);
    }

    /**
     * @param direct open the image named by the user with O_DIRECT (cache=none): its requests
     *               are then padded to whole sectors below the drivers; backing files are
     *               always opened buffered
     */
    public ImageOpener(IoEngine engine, boolean direct) {
        this(engine, direct ? CacheMode.NONE : CacheMode.WRITEBACK, line -> System.err.println("aiofs: " + line));
    }

    /**
     * @param cache     O_DIRECT for a local image when it says so (as above); writes to an NBD
     *                  export carry FUA when it is write-through
     * @param remoteLog where NBD clients report lost connections and servers that broke the protocol
     */
    public ImageOpener(IoEngine engine, CacheMode cache, Consumer<String> remoteLog) {
        this(direct(engine, cache.direct()), cache.direct(), new MetadataCache(MetadataCache.DEFAULT_BYTES),
                cache.writeThrough(), remoteLog, NamedFilePolicy.confined(), notice -> { });
    }

    private ImageOpener(IoEngine engine, boolean direct, MetadataCache cache, boolean writeThrough,
                        Consumer<String> remoteLog, NamedFilePolicy policy, Consumer<String> notices) {
        this.engine = engine;
        this.direct = direct;
        this.cache = cache;
        this.writeThrough = writeThrough;
        this.remoteLog = remoteLog;
        this.policy = policy;
        this.notices = notices;
    }

    /** This opener, judging the files images name by {@code policy} (the default: {@link NamedFilePolicy#confined()}). */
    public ImageOpener withPolicy(NamedFilePolicy policy) {
        return new ImageOpener(engine, direct, cache, writeThrough, remoteLog, policy, notices);
    }

    /** This opener, keeping the metadata of every image it opens in {@code cache} (one budget per mount). */
    public ImageOpener withMetadataCache(MetadataCache cache) {
        return new ImageOpener(engine, direct, cache, writeThrough, remoteLog, policy, notices);
    }

    /** O_DIRECT files take only whole sectors: pad every request below the drivers. */
    private static IoEngine direct(IoEngine engine, boolean direct) {
        return direct ? new RequestPadding(engine) : engine;
    }

    /**
     * This opener, telling {@code sink} what a user should know about what it opened (one line
     * each, without a prefix): the chain it follows when that leaves the image's directory.
     */
    public ImageOpener withNotices(Consumer<String> sink) {
        return new ImageOpener(engine, direct, cache, writeThrough, remoteLog, policy, sink);
    }

    /**
     * @param format a driver's name, or null to probe
     */
    public BlockImage open(Path path, String format, boolean readOnly) throws IOException {
        return open(ImageLocation.of(path), format, readOnly);
    }

    /**
     * @param format a driver's name, or null to probe
     */
    public BlockImage open(ImageLocation location, String format, boolean readOnly) throws IOException {
        BlockImage image;
        OpenChain chain = new OpenChain();
        try {
            image = openTop(location, format, readOnly, chain);
        } catch (RepairNeededException needsRepair) {
            if (location.isRemote()) {
                throw new ImageException(needsRepair.getMessage() + "; an image on an NBD export is repaired where"
                        + " it is stored (aiofs check --repair, or qemu-img check -r all, on the server's file)",
                        Errno.EIO, needsRepair);
            }
            Path path = location.path();
            repair(path, format == null ? FormatProbe.probe(path) : ImageDrivers.byName(format));
            chain = new OpenChain();
            image = openTop(location, format, readOnly, chain);
        }
        if (chain.leavesTheDirectory()) {
            notices.accept(location + ": its chain leaves " + (location.isRemote() ? "the export's server"
                    : chain.top().getParent()) + " (allowed by " + NamedFilePolicy.OPTION + "): " + chain.describe());
        }
        return image;
    }

    /** The NBD exports opened so far (an image and its backing chain), to describe them. */
    public List<RemoteExport> exports() {
        return List.copyOf(exports);
    }

    /**
     * Opens {@code overlay}, an image aiofs made (e.g. a throwaway qcow2 for {@code mount
     * --overlay}) whose backing file is {@code base}, for writing, on top of {@code base}
     * (already open, read-only): the backing name the overlay records is checked against
     * base's file, never resolved and opened again. The result owns {@code base}; if the open
     * fails, {@code base} is closed too.
     */
    public BlockImage openOverlay(Path overlay, BlockImage base) throws IOException {
        OverlayContext context = new OverlayContext(engine, base, cache);
        HostFile file = null;
        try {
            ImageDriver driver = FormatProbe.probe(overlay);
            if (!driver.capabilities().backing() || !driver.capabilities().writable()) {
                throw new ImageException(overlay + " is a " + driver.name() + " image, which cannot be a writable"
                        + " overlay (qcow2 can)", Errno.EINVAL);
            }
            file = HostFile.open(overlay, false, false);
            QemuImageLock.acquire(file, true);
            BlockImage image = driver.open(file, context);
            if (image.backing() != base) {
                image.close();
                throw new ImageException(overlay + " names no backing file: it is not an overlay of " + base.name(),
                        Errno.EINVAL);
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (file != null && !file.isClosed()) {
                file.close();
            }
            if (!context.handedOut()) {
                base.close();
            }
            throw e;
        }
    }

    /**
     * An image its driver wants repaired before writing (a lazy-refcounts qcow2 left dirty by a
     * crash) is repaired first, as QEMU does; messages go to stderr, the server's log.
     */
    private static void repair(Path path, ImageDriver driver) throws IOException {
        PrintWriter log = new PrintWriter(System.err, true);
        log.println("aiofs: " + path + " was not closed cleanly: repairing it before writing");
        CheckResult result = driver.check(path, RepairMode.ALL, log);
        if (result.exitCode() != CheckResult.EXIT_CLEAN) {
            throw new ImageException(path + " needed a repair, which left " + result.corruptions()
                    + " corruption(s) and " + result.leaks() + " leak(s); see `aiofs check " + path + "`",
                    Errno.EIO);
        }
    }

    /** Opens the image the user named. */
    private BlockImage openTop(ImageLocation location, String format, boolean readOnly, OpenChain chain)
            throws IOException {
        boolean probed = format == null;
        if (location instanceof ImageLocation.Remote remote) {
            if (direct) {
                throw new ImageException(location + ": O_DIRECT (cache=none/directsync) has no meaning for an NBD"
                        + " export", Errno.ENOTSUP);
            }
            return openExport(remote, "image", format, probed, readOnly, chain);
        }
        Path path = location.path();
        ImageDriver driver = probed ? FormatProbe.probe(path) : ImageDrivers.byName(format);
        refuse(location, driver, probed, readOnly);
        HostFile file = HostFile.open(path, readOnly, direct, true);
        try {
            QemuImageLock.acquire(file, !readOnly);
            chain.add("image", file, false);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        return openWith(driver, file, new ChainContext(engine, readOnly, probed, chain));
    }

    /** Opens an image on an export: the image the user named, or a backing file in its chain. */
    private BlockImage openExport(ImageLocation.Remote location, String role, String format, boolean probed,
                                  boolean readOnly, OpenChain chain) throws IOException {
        NbdClient client = NbdClient.connect(location.uri(), readOnly, writeThrough, remoteLog);
        HostFile file = HostFile.ofExport(client);
        ImageDriver driver;
        try {
            OpenChain.Link already = chain.find(file);
            if (already != null) {
                throw new ImageException(location + " is already part of this image (as its " + already.role()
                        + "): a loop, refused", Errno.EINVAL);
            }
            driver = format == null ? FormatProbe.probe(location.toString(), head(file, client.engine()))
                    : ImageDrivers.byName(format);
            refuse(location, driver, probed, readOnly);
            chain.add(role, file, !role.equals("image"));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        BlockImage image = openWith(driver, file, new ChainContext(client.engine(), readOnly, probed, chain));
        exports.add(client);
        return image;
    }

    /** What the driver cannot do as asked, refused before anything is opened (or used). */
    private static void refuse(ImageLocation location, ImageDriver driver, boolean probed, boolean readOnly)
            throws ImageException {
        if (probed && !readOnly && !driver.capabilities().probeForWriting()) {
            throw new ImageException(location + ": format not given and probed as " + driver.name() + "; writing to"
                    + " a probed " + driver.name() + " image is refused (pass --format " + driver.name()
                    + ", or --read-only)", Errno.EINVAL);
        }
        if (!readOnly && !driver.capabilities().writable()) {
            throw new ImageException(location + ": aiofs reads " + driver.name() + " images but does not write them"
                    + " (mount it --read-only)", Errno.EROFS);
        }
    }

    /** An export's first bytes, read through its engine, for the probe. */
    private static ByteBuffer head(HostFile file, IoEngine engine) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(ImageDriver.PROBE_BYTES, file.size()));
        long got = Futures.await(engine.submit(new IoRequest.Read(file, 0, head)));
        return head.limit((int) got);
    }

    /** The driver opens the image in {@code file}, which it owns from then on; on failure the file is closed. */
    private static BlockImage openWith(ImageDriver driver, HostFile file, OpenContext context) throws IOException {
        try {
            return driver.open(file, context);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The files of one image being opened: its engine, what the chain already holds, and how to add to it. */
    private final class ChainContext implements OpenContext {
        private final IoEngine imageEngine;
        private final boolean readOnly;
        private final boolean probedTop;
        private final OpenChain chain;

        ChainContext(IoEngine imageEngine, boolean readOnly, boolean probedTop, OpenChain chain) {
            this.imageEngine = imageEngine;
            this.readOnly = readOnly;
            this.probedTop = probedTop;
            this.chain = chain;
        }

        @Override
        public IoEngine engine() {
            return imageEngine;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public MetadataCache metadataCache() {
            return cache;
        }

        @Override
        public HostFile openNamedFile(HostFile naming, String name, String role) throws IOException {
            if (naming.isRemote()) {
                throw new ImageException(naming.name() + ": " + role + " " + NamedFilePolicy.printable(name)
                        + ": files an image names as part of it are opened on this machine only, for a local image",
                        Errno.ENOTSUP);
            }
            if (probedTop && !readOnly) {
                // a guest that wrote this header into a raw disk would choose where writes go
                throw new ImageException(naming.name() + ": format not given, and the probed image names "
                        + role + " '" + NamedFilePolicy.printable(name) + "' that writes would go to: pass --format"
                        + " to confirm the format (a guest can write an image header into a raw disk), or"
                        + " --read-only", Errno.EINVAL);
            }
            return openChecked(naming, name, role, readOnly);
        }

        @Override
        public BlockImage openBacking(HostFile naming, String name, String format) throws IOException {
            if (name.startsWith("json:")) {
                throw new ImageException(naming.name() + ": json: backing file names are not supported",
                        Errno.ENOTSUP);
            }
            if (chain.size() >= MAX_CHAIN_DEPTH) {
                throw new ImageException(naming.name() + ": backing chain deeper than " + MAX_CHAIN_DEPTH
                        + " images", Errno.EINVAL);
            }
            String backingFormat = format == null || format.isEmpty() ? null : format;
            if (backingFormat != null) {
                try {
                    ImageDrivers.byName(backingFormat);
                } catch (IllegalArgumentException e) {
                    throw new ImageException(naming.name() + ": backing format '" + format + "' is not supported",
                            Errno.ENOTSUP);
                }
            }
            ImageLocation backing = location(naming).resolve(name, "backing file name");
            try {
                if (backing instanceof ImageLocation.Remote remote) {
                    if (!naming.isRemote() && !policy.allowsAny()) {
                        throw new ImageException(naming.name() + ": backing file " + remote + " is an NBD export;"
                                + " an image may name one only with " + NamedFilePolicy.OPTION + " any",
                                Errno.EACCES);
                    }
                    return openExport(remote, "backing file", backingFormat, false, true, chain);
                }
                HostFile file = openChecked(naming, name, "backing file", true);
                ImageDriver driver;
                try {
                    driver = backingFormat == null ? FormatProbe.probe(file) : ImageDrivers.byName(backingFormat);
                } catch (IOException | RuntimeException e) {
                    file.close();
                    throw e;
                }
                return openWith(driver, file, new ChainContext(engine, true, false, chain));
            } catch (ImageException e) {
                throw e;
            } catch (IOException e) {
                throw new ImageException(naming.name() + ": backing file " + backing + " cannot be opened: "
                        + e.getMessage(), Errno.EIO, e);
            }
        }

        /**
         * Opens a local file the image names, judged by the policy (before the open, and again on
         * what was opened), the kind of file, and the chain; then locked as QEMU locks it.
         */
        private HostFile openChecked(HostFile naming, String name, String role, boolean openReadOnly)
                throws IOException {
            ImageLocation located = location(naming).resolve(name, role + " name");
            if (located.isRemote()) {
                throw new ImageException(naming.name() + ": " + role + " " + located + " is an NBD export; only a"
                        + " backing file may be one", Errno.ENOTSUP);
            }
            Path path = located.path();
            policy.check(chain.top(), naming.path(), role, name, path);
            HostFile file;
            try {
                file = HostFile.open(path, openReadOnly, false, false);
            } catch (IOException e) {
                throw new ImageException(naming.name() + ": " + role + " " + NamedFilePolicy.printable(name)
                        + " cannot be opened: " + e.getMessage(), Errno.EIO, e);
            }
            try {
                OpenChain.Link already = chain.find(file);
                if (already != null) {
                    throw new ImageException(naming.name() + ": " + role + " '" + NamedFilePolicy.printable(name)
                            + "' is " + already.name() + ", already part of this image (as its " + already.role()
                            + "): a loop, refused", Errno.EINVAL);
                }
                boolean outside = policy.check(chain.top(), naming.path(), role, name,
                        Path.of("/proc/self/fd/" + file.fd()));
                QemuImageLock.acquire(file, !openReadOnly);
                chain.add(role, file, outside);
                return file;
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
    }

    /** Where a file the chain holds is: its path, or its export's URI. */
    private static ImageLocation location(HostFile file) {
        if (file.remote() instanceof NbdClient client) {
            return new ImageLocation.Remote(client.uri());
        }
        return ImageLocation.of(file.path());
    }
}
