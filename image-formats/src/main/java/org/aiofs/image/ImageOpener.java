package org.aiofs.image;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import org.aiofs.image.lock.QemuImageLock;
import org.aiofs.image.qcow2.DirtyImageException;
import org.aiofs.image.qcow2.Qcow2Header;
import org.aiofs.image.qcow2.Qcow2Image;
import org.aiofs.image.qcow2.check.Qcow2CheckResult;
import org.aiofs.image.qcow2.check.Qcow2Checker;
import org.aiofs.image.qcow2.check.RepairMode;
import org.aiofs.image.raw.RawImage;

/**
 * Opens an image as a {@link BlockImage}: a local file, or an NBD export (see {@link ImageLocation});
 * the format named by the user, or probed by its magic. A probed raw image is never opened for
 * writing: a guest could write a qcow2 header into it and the next open would trust that header.
 * Backing images are opened read-only through here too, each once per chain: a name that comes
 * back is a loop. An image on an export runs on the export's own engine, a local one on the
 * engine given here; local images are locked as QEMU locks them, exports are the server's to guard.
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

    /** The format a file's first bytes say it has: qcow2 by its magic, raw otherwise. */
    public static ImageFormat probe(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path)) {
            ByteBuffer head = ByteBuffer.allocate(4);
            while (head.hasRemaining() && ch.read(head) >= 0) {
                // a block device or a pipe may return less at a time
            }
            return format(head);
        }
    }

    private static ImageFormat probe(HostFile file, IoEngine engine) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4);
        long got = Futures.await(engine.submit(new IoRequest.Read(file, 0, head)));
        return format(head.position((int) got));
    }

    private static ImageFormat format(ByteBuffer head) {
        return head.position() == 4 && head.getInt(0) == Qcow2Header.MAGIC ? ImageFormat.QCOW2 : ImageFormat.RAW;
    }

    /**
     * @param format null to probe
     */
    public BlockImage open(Path path, ImageFormat format, boolean readOnly) throws IOException {
        return open(ImageLocation.of(path), format, readOnly);
    }

    /**
     * @param format null to probe
     */
    public BlockImage open(ImageLocation location, ImageFormat format, boolean readOnly) throws IOException {
        try {
            return open(location, format, readOnly, new ArrayList<>());
        } catch (DirtyImageException dirty) {
            if (location.isRemote()) {
                throw new ImageException(dirty.getMessage() + " (repair it where it is stored: aiofs check"
                        + " --repair, or qemu-img check -r all, on the server's file)", ImageException.EIO, dirty);
            }
            repairDirty(location.path());
            return open(location, format, readOnly, new ArrayList<>());
        }
    }

    /** The NBD exports opened so far (the image and its backing chain), to describe them. */
    public List<RemoteExport> exports() {
        return List.copyOf(exports);
    }

    /**
     * A lazy-refcounts image left dirty by a crash is repaired before a writable open, as QEMU
     * does: its refcounts are rebuilt from the tables (messages go to stderr, the server's log).
     */
    private static void repairDirty(Path path) throws IOException {
        PrintWriter log = new PrintWriter(System.err, true);
        log.println("aiofs: " + path + " is dirty (lazy refcounts, not closed cleanly): repairing its refcounts");
        Qcow2CheckResult result = Qcow2Checker.check(path, RepairMode.ALL, log);
        if (result.exitCode() != Qcow2CheckResult.EXIT_CLEAN) {
            throw new ImageException(path + " is dirty and its repair left " + result.corruptions()
                    + " corruption(s) and " + result.leaks() + " leak(s); see `aiofs check " + path + "`",
                    ImageException.EIO);
        }
    }

    private BlockImage open(ImageLocation location, ImageFormat format, boolean readOnly, List<String> chain)
            throws IOException {
        boolean topImage = chain.isEmpty();
        HostFile file;
        ImageFormat actual;
        IoEngine fileEngine;
        if (location instanceof ImageLocation.Remote remote) {
            if (topImage && direct) {
                throw new ImageException(location + ": O_DIRECT (cache=none/directsync) has no meaning for an NBD"
                        + " export", ImageException.ENOTSUP);
            }
            NbdClient client = NbdClient.connect(remote.uri(), readOnly, writeThrough, remoteLog);
            file = HostFile.ofExport(client);
            fileEngine = client.engine();
            try {
                actual = format != null ? format : probe(file, fileEngine);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
            exports.add(client);
        } else {
            Path path = location.path();
            actual = format != null ? format : probe(path);
            if (topImage && direct && actual != ImageFormat.RAW) {
                throw new ImageException(path + ": O_DIRECT (cache=none/directsync) is supported for raw images only",
                        ImageException.ENOTSUP);
            }
            file = HostFile.open(path, readOnly, topImage && direct);
            fileEngine = engine;
        }
        try {
            if (!file.isRemote()) {
                QemuImageLock.acquire(file, !readOnly);
            }
            if (format == null && actual == ImageFormat.RAW && !readOnly) {
                throw new ImageException(location + ": format not given and probed as raw; writing to a probed raw"
                        + " image is refused (pass --format raw, or --read-only)", ImageException.EINVAL);
            }
            chain.add(identity(location));
            return switch (actual) {
                case RAW -> new RawImage(file, fileEngine);
                case QCOW2 -> Qcow2Image.open(file, fileEngine, (backing, backingFormat) -> openBacking(location,
                        backing, backingFormat, chain));
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private BlockImage openBacking(ImageLocation naming, String name, String format, List<String> chain)
            throws IOException {
        ImageLocation backing = naming.resolve(name, "backing file name");
        if (chain.contains(identity(backing))) {
            throw new ImageException(naming + ": backing file " + backing + " is already in the chain (a loop: "
                    + chain + ")", ImageException.EINVAL);
        }
        if (chain.size() >= MAX_CHAIN_DEPTH) {
            throw new ImageException(naming + ": backing chain deeper than " + MAX_CHAIN_DEPTH + " images",
                    ImageException.EINVAL);
        }
        ImageFormat f;
        try {
            f = format == null || format.isEmpty() ? null : ImageFormat.fromUserName(format);
        } catch (IllegalArgumentException e) {
            throw new ImageException(naming + ": backing format '" + format + "' is not supported",
                    ImageException.ENOTSUP);
        }
        try {
            return open(backing, f, true, chain);
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageException(naming + ": backing file " + backing + " cannot be opened: " + e.getMessage(),
                    ImageException.EIO, e);
        }
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
