package org.aiofs.image.open;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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
import org.aiofs.image.lock.QemuImageLock;

/**
 * Opens an image as a {@link BlockImage}: a local file, or an NBD export (see {@link ImageLocation});
 * in the format named by the user, or probed ({@link FormatProbe}), through the driver the
 * registry lists for it. A probed image whose driver says so ({@code probeForWriting}, false
 * for raw) is never opened for writing: a guest could write a qcow2 header into a raw disk and
 * the next open would trust it. Files an image names (backing images, data files) are opened
 * through the same chain, each once: a name that comes back is a loop, or a data file that is
 * the image itself. An image on an export runs on the export's own engine, a local one on the
 * engine given here; local files are locked as QEMU locks them, exports are the server's to guard.
 */
public final class ImageOpener {
    /** Deeper chains than this are refused: each level costs a file and a stack frame per read. */
    public static final int MAX_CHAIN_DEPTH = 256;

    private final IoEngine engine;
    private final boolean direct;
    private final boolean writeThrough;
    private final Consumer<String> remoteLog;
    private final List<RemoteExport> exports = new ArrayList<>();

    public ImageOpener(IoEngine engine) {
        this(engine, false);
    }

    /**
     * @param direct open the image named by the user with O_DIRECT (cache=none); only raw
     *               images take it (qcow2 metadata writes are not sector-aligned), and
     *               backing files are always opened buffered
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
        this.engine = engine;
        this.direct = cache.direct();
        this.writeThrough = cache.writeThrough();
        this.remoteLog = remoteLog;
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
        try {
            return open(location, format, format == null, readOnly, new ArrayList<>());
        } catch (RepairNeededException needsRepair) {
            if (location.isRemote()) {
                throw new ImageException(needsRepair.getMessage() + "; an image on an NBD export is repaired where"
                        + " it is stored (aiofs check --repair, or qemu-img check -r all, on the server's file)",
                        ImageException.EIO, needsRepair);
            }
            Path path = location.path();
            repair(path, format == null ? FormatProbe.probe(path) : ImageDrivers.byName(format));
            return open(location, format, format == null, readOnly, new ArrayList<>());
        }
    }

    /** The NBD exports opened so far (an image and its backing chain), to describe them. */
    public List<RemoteExport> exports() {
        return List.copyOf(exports);
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
                    ImageException.EIO);
        }
    }

    /**
     * @param format a driver's name, or null to probe
     * @param probed whether a probed format is the user's choice (the top image) for the writing rule
     */
    private BlockImage open(ImageLocation location, String format, boolean probed, boolean readOnly,
                            List<String> chain) throws IOException {
        boolean topImage = chain.isEmpty();
        if (location instanceof ImageLocation.Remote remote) {
            if (topImage && direct) {
                throw new ImageException(location + ": O_DIRECT (cache=none/directsync) has no meaning for an NBD"
                        + " export", ImageException.ENOTSUP);
            }
            NbdClient client = NbdClient.connect(remote.uri(), readOnly, writeThrough, remoteLog);
            HostFile file = HostFile.ofExport(client);
            try {
                ImageDriver driver = format == null
                        ? FormatProbe.probe(location.toString(), head(file, client.engine()))
                        : ImageDrivers.byName(format);
                refuse(location, driver, probed, readOnly, false);
                chain.add(identity(location));
                BlockImage image = driver.open(file, new ChainContext(client.engine(), readOnly, chain));
                exports.add(client);
                return image;
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
        Path path = location.path();
        ImageDriver driver = format == null ? FormatProbe.probe(path) : ImageDrivers.byName(format);
        refuse(location, driver, probed, readOnly, topImage && direct);
        HostFile file = HostFile.open(path, readOnly, topImage && direct);
        try {
            QemuImageLock.acquire(file, !readOnly);
            chain.add(identity(location));
            return driver.open(file, new ChainContext(engine, readOnly, chain));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** What the driver cannot do as asked, refused before anything is opened (or used). */
    private static void refuse(ImageLocation location, ImageDriver driver, boolean probed, boolean readOnly,
                               boolean direct) throws ImageException {
        if (direct && !driver.name().equals("raw")) {
            throw new ImageException(location + ": O_DIRECT (cache=none/directsync) is supported for raw images only",
                    ImageException.ENOTSUP);
        }
        if (probed && !readOnly && !driver.capabilities().probeForWriting()) {
            throw new ImageException(location + ": format not given and probed as " + driver.name() + "; writing to"
                    + " a probed " + driver.name() + " image is refused (pass --format " + driver.name()
                    + ", or --read-only)", ImageException.EINVAL);
        }
        if (!readOnly && !driver.capabilities().writable()) {
            throw new ImageException(location + ": aiofs reads " + driver.name() + " images but does not write them"
                    + " (mount it --read-only)", ImageException.EROFS);
        }
    }

    /** An export's first bytes, read through its engine, for the probe. */
    private static ByteBuffer head(HostFile file, IoEngine engine) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(ImageDriver.PROBE_BYTES, file.size()));
        long got = Futures.await(engine.submit(new IoRequest.Read(file, 0, head)));
        return head.limit((int) got);
    }

    /** The files of one image being opened: its engine, what the chain already holds, and how to add to it. */
    private final class ChainContext implements OpenContext {
        private final IoEngine imageEngine;
        private final boolean readOnly;
        private final List<String> chain;

        ChainContext(IoEngine imageEngine, boolean readOnly, List<String> chain) {
            this.imageEngine = imageEngine;
            this.readOnly = readOnly;
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
        public HostFile openNamedFile(HostFile naming, String name, String role) throws IOException {
            ImageLocation located = naming.isRemote() ? null : location(naming).resolve(name, role + " name");
            if (located == null || located.isRemote()) {
                throw new ImageException(naming.name() + ": " + role + " " + name + ": files an image names as part"
                        + " of it are opened on this machine only, for a local image", ImageException.ENOTSUP);
            }
            Path path = located.path();
            if (chain.contains(identity(located))) {
                throw new ImageException(naming.name() + ": " + role + " " + name + " is a file the image already"
                        + " uses (" + chain + ")", ImageException.EINVAL);
            }
            HostFile file;
            try {
                file = HostFile.open(path, readOnly, false);
            } catch (IOException e) {
                throw new ImageException(naming.name() + ": " + role + " " + name + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
            }
            try {
                QemuImageLock.acquire(file, !readOnly);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            chain.add(identity(located));
            return file;
        }

        @Override
        public BlockImage openBacking(HostFile naming, String name, String format) throws IOException {
            if (name.startsWith("json:")) {
                throw new ImageException(naming.name() + ": json: backing file names are not supported",
                        ImageException.ENOTSUP);
            }
            ImageLocation backing = location(naming).resolve(name, "backing file name");
            if (chain.contains(identity(backing))) {
                throw new ImageException(naming.name() + ": backing file " + backing + " is already in the chain"
                        + " (a loop: " + chain + ")", ImageException.EINVAL);
            }
            if (chain.size() >= MAX_CHAIN_DEPTH) {
                throw new ImageException(naming.name() + ": backing chain deeper than " + MAX_CHAIN_DEPTH
                        + " images", ImageException.EINVAL);
            }
            String backingFormat = format == null || format.isEmpty() ? null : format;
            if (backingFormat != null) {
                try {
                    ImageDrivers.byName(backingFormat);
                } catch (IllegalArgumentException e) {
                    throw new ImageException(naming.name() + ": backing format '" + format + "' is not supported",
                            ImageException.ENOTSUP);
                }
            }
            try {
                return open(backing, backingFormat, false, true, chain);
            } catch (ImageException e) {
                throw e;
            } catch (IOException e) {
                throw new ImageException(naming.name() + ": backing file " + backing + " cannot be opened: "
                        + e.getMessage(), ImageException.EIO, e);
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

    /** The same file reached by two names counts once; an export is known by its URI. */
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
